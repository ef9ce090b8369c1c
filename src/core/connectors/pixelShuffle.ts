/**
 * Pixel shuffle (Idefics3, SmolVLM): space-to-depth, each scale x scale block of patches stacked
 * into one token, then a linear layer. Its token order is HF's pixel_shuffle (squareBlocks.ts).
 */
import type { ConnectorFamilyModule } from './family.ts';
import { blockSideFromTokens, squareBlocks } from './squareBlocks.ts';

export interface PixelShuffleSpec {
  readonly family: 'pixel-shuffle';
  /** Side of the square block of patches stacked into one token. */
  readonly scale: number;
}

export const pixelShuffle: ConnectorFamilyModule<PixelShuffleSpec> = {
  id: 'pixel-shuffle',
  parameter: 'scale',
  specOf: (scale) => ({ family: 'pixel-shuffle', scale }),
  label: 'Pixel shuffle',
  story: ({ scale }) => `Space-to-depth: each ${scale} × ${scale} block of patches stacked into one token, then a linear layer (Idefics3, SmolVLM).`,
  ...squareBlocks<PixelShuffleSpec>((spec) => spec.scale),
  stock: {
    modelTypes: ['idefics3', 'smolvlm'],
    specFromTokens(grid, pre, post) {
      const r = blockSideFromTokens(grid, pre, post);
      // Blocks of one patch are token-wise: read as the MLP.
      return r !== null && r >= 2 ? { family: 'pixel-shuffle', scale: r } : null;
    },
    // Square blocks with no model type to say more: the plain rearrangement is the reading.
    unnamed: 'first',
  },
};
