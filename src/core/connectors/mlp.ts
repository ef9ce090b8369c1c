/**
 * The MLP projector (LLaVA): Linear, GELU, Linear on every token on its own, so post token j is
 * patch j. Its geometry is square blocks of side 1; it has no size field.
 */
import type { ConnectorFamilyModule } from './family.ts';
import { squareBlocks } from './squareBlocks.ts';

export interface MlpSpec {
  readonly family: 'mlp';
}

export const mlp: ConnectorFamilyModule<MlpSpec> = {
  id: 'mlp',
  parameter: null,
  specOf: () => ({ family: 'mlp' }),
  label: 'MLP projector',
  story: () => 'Linear, GELU, Linear on every token on its own: as many tokens come out as went in (LLaVA).',
  ...squareBlocks<MlpSpec>(() => 1),
  stock: {
    modelTypes: ['llava', 'llava_next', 'llava_onevision'],
    specFromTokens: (_grid, pre, post) => (pre === post ? { family: 'mlp' } : null),
    unnamed: 'first',
  },
};
