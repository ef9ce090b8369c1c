/**
 * The perceiver resampler (Idefics2): learned queries cross-attend to all patches, so each post
 * token may draw on any part of the image and no patch feeds one post token in particular.
 */
import type { ConnectorFamilyModule } from './family.ts';

export interface PerceiverSpec {
  readonly family: 'perceiver';
  /** Learned queries: one post token each. */
  readonly queries: number;
}

export const perceiver: ConnectorFamilyModule<PerceiverSpec> = {
  id: 'perceiver',
  parameter: 'queries',
  specOf: (queries) => ({ family: 'perceiver', queries }),
  label: 'Perceiver resampler',
  story: ({ queries }) => `${queries} learned queries cross-attend to all patches: each output token may draw on any part of the image (Idefics2).`,
  geometry: {
    fixedRegions: false,
    blockSide: () => null,
    problem: ({ queries }) => (Number.isInteger(queries) && queries >= 1 ? null : `invalid perceiver queries: ${queries} (expected a positive integer)`),
    postTokenCount: ({ queries }) => queries,
    patchesOf: () => [],
    postTokenOf: () => null,
  },
  manifest: {
    postTokensFrom: ({ queries }) => queries,
    // Any number of queries fits any grid.
    parameterMisfit: () => null,
  },
  stock: {
    modelTypes: ['idefics2'],
    specFromTokens: (_grid, _pre, post) => ({ family: 'perceiver', queries: post }),
    // Any token counts fit: the reading of last resort, each post token drawing on any patch.
    unnamed: 'last',
  },
};
