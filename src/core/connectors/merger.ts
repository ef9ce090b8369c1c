/**
 * The patch merger (Qwen2-VL, Qwen2.5-VL): LayerNorm, then each mergeSize x mergeSize block of
 * patches concatenated and passed through an MLP, one post token per block.
 */
import type { ConnectorFamilyModule } from './family.ts';
import { blockSideFromTokens, squareBlocks } from './squareBlocks.ts';

export interface MergerSpec {
  readonly family: 'merger';
  /** Side of the square block of patches merged into one token. */
  readonly mergeSize: number;
}

export const merger: ConnectorFamilyModule<MergerSpec> = {
  id: 'merger',
  parameter: 'mergeSize',
  specOf: (mergeSize) => ({ family: 'merger', mergeSize }),
  label: 'Patch merger',
  story: ({ mergeSize }) =>
    `LayerNorm, then each ${mergeSize} × ${mergeSize} block of patches concatenated and passed through an MLP: ${mergeSize ** 2} patches become one token (Qwen2.5-VL).`,
  ...squareBlocks<MergerSpec>((spec) => spec.mergeSize),
  stock: {
    modelTypes: ['qwen2_vl', 'qwen2_5_vl'],
    specFromTokens(grid, pre, post) {
      const r = blockSideFromTokens(grid, pre, post);
      // Blocks of one patch are token-wise: read as the MLP, whatever the model type says.
      return r !== null && r >= 2 ? { family: 'merger', mergeSize: r } : null;
    },
    // From the counts alone a merger is pixel shuffle; only the model type tells them apart.
    unnamed: 'never',
  },
};
