/**
 * What the inference worker runs images through, whatever the model's form: a pack (encoder and
 * connector as two graphs, packRunner.ts) or a stock export opened tapped (stockRunner.ts). Both
 * take a decoded image and give one image's tokens in row-major patch order plus the exact image
 * the encoder saw, so the analysis never asks which it is.
 */
import { preprocess } from '../core/image/preprocess.ts';
import type { RgbaImage } from '../core/image/processors/encoderInputs.ts';
import type { PackManifest } from '../core/types.ts';
import type { ExecutionProvider } from './ort.ts';
import type { PackRunner } from './packRunner.ts';

export interface EmbeddedTokens {
  /** [T, d_v] and [T', d_l], row-major; pre tokens in row-major grid order. */
  readonly pre: Float32Array;
  readonly post: Float32Array;
  /** The image the encoder saw, image.size x image.size RGBA, for overlays. */
  readonly display: Uint8ClampedArray;
}

export interface AnalysisRunner {
  readonly manifest: PackManifest;
  readonly ep: ExecutionProvider;
  readonly fallbackReason: string | null;
  embedImage(image: RgbaImage): Promise<EmbeddedTokens>;
  dispose(): Promise<void>;
}

export function packAnalysisRunner(runner: PackRunner): AnalysisRunner {
  const { manifest } = runner;
  return {
    manifest,
    ep: runner.ep,
    fallbackReason: runner.fallbackReason,
    async embedImage(image) {
      const { pixels, display } = preprocess(image.rgba, image.width, image.height, manifest.preprocess, manifest.image.size);
      return { ...(await runner.embed(pixels)), display };
    },
    dispose: () => runner.dispose(),
  };
}
