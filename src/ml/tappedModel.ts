/**
 * A model that holds encoder and connector together (the stock vision_encoder.onnx of Hugging Face
 * exports, whose output is already post-projection), opened with the connector's input and output
 * made graph outputs: one run per image yields pre- and post-projection tokens.
 */
import type { GraphSummary } from '../core/onnx/graphSummary.ts';
import { TapError, tapInPlace } from '../core/onnx/tap.ts';
import { createSession, type ExecutionProvider, type ExternalDataFile, type Float32Tensor } from './ort.ts';

export interface TapChoice {
  readonly pre: string;
  readonly post: string;
}

export interface TappedRunner {
  readonly choice: TapChoice;
  /** The graph's only input (pixels). */
  readonly input: string;
  readonly ep: ExecutionProvider;
  readonly fallbackReason: string | null;
  /** Outputs appended by the tap (the others were graph outputs already). */
  readonly added: readonly string[];
  run(pixels: Float32Array, dims: readonly number[]): Promise<{ readonly pre: Float32Tensor; readonly post: Float32Tensor }>;
  dispose(): Promise<void>;
}

/**
 * buffer[0, length) is the model, the rest room for the tap (readWithRoom), so it is appended
 * without copying the model; ONNX Runtime then copies the bytes into its own memory once.
 * `summary` must be readGraphSummary of those bytes.
 */
export async function openTapped(buffer: Uint8Array, length: number, summary: GraphSummary, choice: TapChoice, preferred: readonly ExecutionProvider[], externalData: readonly ExternalDataFile[] = []): Promise<TappedRunner> {
  if (summary.inputs.length !== 1) {
    const list = summary.inputs.map((n) => JSON.stringify(n)).join(', ');
    throw new TapError(`The model takes ${summary.inputs.length} inputs (${list}); only a model fed with pixels alone can be opened this way.`);
  }
  const input = summary.inputs[0]!;
  const tapped = tapInPlace(buffer, length, [choice.pre, choice.post], summary);
  const session = await createSession(tapped.bytes, preferred, externalData);
  return {
    choice,
    input,
    ep: session.ep,
    fallbackReason: session.fallbackReason,
    added: tapped.add,
    async run(pixels, dims) {
      const out = await session.run({ [input]: { data: pixels, dims } });
      const pre = out[choice.pre];
      const post = out[choice.post];
      if (!pre || !post) throw new Error(`the tapped model did not return ${JSON.stringify(pre ? choice.post : choice.pre)}`);
      return { pre, post };
    },
    dispose: () => session.dispose(),
  };
}
