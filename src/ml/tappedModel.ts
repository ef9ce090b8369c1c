/**
 * A model that holds encoder and connector together (the stock vision_encoder.onnx of Hugging Face
 * exports, whose output is already post-projection), opened with the connector's input and output
 * made graph outputs: one run per image yields pre- and post-projection tokens.
 */
import type { GraphSummary } from '../core/onnx/graphSummary.ts';
import { tapInPlace } from '../core/onnx/tap.ts';
import type { FeedTensor } from '../core/stock/feeds.ts';
import { createSession, type ExecutionProvider, type ExternalDataFile, type Float32Tensor } from './ort.ts';

export interface TapChoice {
  readonly pre: string;
  readonly post: string;
}

export interface TappedRunner {
  readonly choice: TapChoice;
  /** The graph's inputs (what a caller feeds), in file order. */
  readonly inputs: readonly string[];
  readonly ep: ExecutionProvider;
  readonly fallbackReason: string | null;
  /** Outputs appended by the tap (the others were graph outputs already). */
  readonly added: readonly string[];
  run(feeds: Record<string, Float32Tensor | FeedTensor>): Promise<{ readonly pre: Float32Tensor; readonly post: Float32Tensor }>;
  dispose(): Promise<void>;
}

/**
 * buffer[0, length) is the model, the rest room for the tap (readWithRoom), so it is appended
 * without copying the model; ONNX Runtime then copies the bytes into its own memory once.
 * `summary` must be readGraphSummary of those bytes.
 */
export async function openTapped(
  buffer: Uint8Array,
  length: number,
  summary: GraphSummary,
  choice: TapChoice,
  preferred: readonly ExecutionProvider[],
  externalData: readonly ExternalDataFile[] = [],
): Promise<TappedRunner> {
  const tapped = tapInPlace(buffer, length, [choice.pre, choice.post], summary);
  const session = await createSession(tapped.bytes, preferred, externalData);
  return {
    choice,
    inputs: summary.inputs,
    ep: session.ep,
    fallbackReason: session.fallbackReason,
    added: tapped.add,
    async run(feeds) {
      const out = await session.run(feeds);
      const pre = out[choice.pre];
      const post = out[choice.post];
      if (!pre || !post) throw new Error(`the tapped model did not return ${JSON.stringify(pre ? choice.post : choice.pre)}`);
      return { pre, post };
    },
    dispose: () => session.dispose(),
  };
}
