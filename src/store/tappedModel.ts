/**
 * Main-thread entry for single-file models (encoder with the connector inside): inspect a file,
 * decide what it opens with (a stored pick, else the automatic boundary), open it tapped and
 * remember the choice. No UI yet: docs/tapping.md describes the flow a picker would drive.
 */
import type { EmbedTappedResult, InspectModelResult, OpenTappedResult, TappedImage } from '../workers/protocol.ts';
import type { PreprocessSpec } from '../core/types.ts';
import type { ExecutionProvider } from '../ml/ort.ts';
import { initialTapChoice, makeTapRecord, type InitialTapChoice } from '../core/onnx/tapRecord.ts';
import { tapClient } from '../workers/clients.ts';
import { loadTapRecord, saveTapRecord } from './tapRecords.ts';

export interface InspectedModel extends InspectModelResult {
  /** What to open with; null when the user must pick from inspection.candidates. */
  readonly choice: InitialTapChoice | null;
}

const fileSource = (file: File, siblings: readonly File[]) => ({ kind: 'file' as const, name: file.name, file, siblings: siblings.map((s) => ({ name: s.name, file: s })) });

export async function inspectModelFile(file: File, siblings: readonly File[] = []): Promise<InspectedModel> {
  const result = await tapClient.request<InspectModelResult>({ type: 'inspect-model', source: fileSource(file, siblings) }).promise;
  const stored = await loadTapRecord(result.key).catch(() => null);
  return { ...result, choice: initialTapChoice(result.inspection, stored) };
}

/** Open the model tapped at `choice`; once it opens, the choice is stored under the model's key. */
export async function openTappedModel(file: File, siblings: readonly File[], key: string, choice: { readonly pre: string; readonly post: string; readonly automatic: boolean }, preferred: readonly ExecutionProvider[]): Promise<OpenTappedResult> {
  const opened = await tapClient.request<OpenTappedResult>({ type: 'open-tapped', source: fileSource(file, siblings), pre: choice.pre, post: choice.post, preferred }).promise;
  // Storage failing (private mode, quota) must not fail the open: the model works, it just is not remembered.
  await saveTapRecord(makeTapRecord(key, file.name, choice)).catch(() => undefined);
  return opened;
}

/**
 * Run images through the tapped model opened last; each image's tokens arrive through `onItem`
 * as they are made (big buffers are transferred, not copied).
 */
export function embedTappedImages(images: readonly { readonly imageId: string; readonly blob: Blob }[], preprocess: PreprocessSpec, size: number, onItem: (item: TappedImage) => void): Promise<EmbedTappedResult> {
  return tapClient.request<EmbedTappedResult>({ type: 'embed-tapped', images, preprocess, size }, { onItem }).promise;
}
