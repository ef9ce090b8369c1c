/**
 * A stock export (vision encoder with the connector inside) opened for analysis: tapped at the
 * chosen pre/post tensors, fed by its own image processor (every input it declares: pixels, a
 * pixel mask, a patch grid), and described as a pack by one probe run on a grey image, so its
 * token counts, widths, patch grid and connector geometry come from the model itself.
 */
import { errorText, isUserFacing, UserFacingError } from '../core/errors.ts';
import { encoderInputs, type RgbaImage } from '../core/image/processors/encoderInputs.ts';
import { tensorInfo, type GraphSummary } from '../core/onnx/graphSummary.ts';
import { fromWindowOrder, windowOrder } from '../core/stock/attentionWindows.ts';
import { bindFeeds } from '../core/stock/feeds.ts';
import { rasterFromMergeWindows, stockManifest, tokenLayout, type StockDescription, type StockSource } from '../core/stock/stockModel.ts';
import type { AnalysisRunner, EmbeddedTokens } from './analysisRunner.ts';
import type { ExecutionProvider, ExternalDataFile, Float32Tensor } from './ort.ts';
import { openTapped, type TapChoice, type TappedRunner } from './tappedModel.ts';

export interface StockRunner extends AnalysisRunner {
  /** Outputs the tap appended (the others were graph outputs already). */
  readonly added: readonly string[];
  /** Where the analysis departs from the processor's defaults (e.g. tiling off), in words. */
  readonly notes: readonly string[];
}

/** The probe image: mid grey, a size every processor resizes from. */
const PROBE: RgbaImage = { width: 64, height: 64, rgba: new Uint8Array(64 * 64 * 4).fill(128) };

function rgbToRgba(rgb: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i]!;
    out[j + 1] = rgb[i + 1]!;
    out[j + 2] = rgb[i + 2]!;
    out[j + 3] = 255;
  }
  return out;
}

async function runImage(tapped: TappedRunner, summary: GraphSummary, description: StockDescription, image: RgbaImage) {
  const made = encoderInputs(description.processor, image);
  const feeds = bindFeeds(
    summary.inputs.map((n) => tensorInfo(summary, n)),
    made.tensors,
    description.processorLabel,
  );
  return { ...(await tapped.run(feeds)), seen: made.seen, notes: made.notes };
}

function checkCount(t: Float32Tensor, tokens: number, width: number, role: string, name: string): void {
  if (t.data.length !== tokens * width) {
    throw new UserFacingError(
      `The ${role} tensor "${name}" gave shape [${t.dims.join(', ')}] for this image instead of ${tokens} tokens of ${width}; the model's token count changed with the image.`,
    );
  }
}

/** Open tapped on the first provider in `preferred` and probe; the session is released if the probe fails. */
async function openProbed(
  buffer: Uint8Array,
  length: number,
  summary: GraphSummary,
  tap: TapChoice,
  description: StockDescription,
  preferred: readonly ExecutionProvider[],
  externalData: readonly ExternalDataFile[],
) {
  const tapped = await openTapped(buffer, length, summary, tap, preferred, externalData);
  try {
    const probe = await runImage(tapped, summary, description, PROBE);
    return {
      tapped,
      notes: probe.notes,
      layout: tokenLayout({ pre: { name: tap.pre, dims: probe.pre.dims }, post: { name: tap.post, dims: probe.post.dims }, seen: probe.seen }, description),
    };
  } catch (error) {
    await tapped.dispose().catch(() => undefined);
    throw error;
  }
}

/**
 * buffer[0, length) is the model with room after it for the tap (readWithRoom); `summary` is
 * readGraphSummary of those bytes. WebGPU can take a session and still fail its first run (an
 * unsupported kernel): then the next provider is tried. A refusal written for people (the model
 * and its processor disagree, the tensor is no patch grid) is the model's, not the provider's.
 */
export async function openStock(
  buffer: Uint8Array,
  length: number,
  summary: GraphSummary,
  tap: TapChoice,
  description: StockDescription,
  source: Omit<StockSource, 'inputName'>,
  preferred: readonly ExecutionProvider[],
  externalData: readonly ExternalDataFile[] = [],
): Promise<StockRunner> {
  const failures: string[] = [];
  let opened: Awaited<ReturnType<typeof openProbed>> | null = null;
  for (let i = 0; i < preferred.length && !opened; i++) {
    try {
      opened = await openProbed(buffer, length, summary, tap, description, preferred.slice(i), externalData);
    } catch (error) {
      if (isUserFacing(error) || i === preferred.length - 1) throw error;
      failures.push(`${preferred[i]} failed: ${errorText(error)}`);
    }
  }
  if (!opened) throw new Error('no execution provider given');
  const { tapped, layout, notes } = opened;
  const fallbackReason = [...failures, tapped.fallbackReason].filter(Boolean).join('; ') || null;
  const manifest = stockManifest(layout, description, { ...source, inputName: summary.inputs[0] ?? '' }, tap);
  const { tokens, grid, mergeWindows } = layout;
  // Qwen2.5-VL: the tower hands the merger its blocks window by window (attentionWindows.ts). The
  // merger's own output is in that order too; the graph's output is back in the processor's.
  const windows = description.attentionWindows;
  const order = windows === null ? null : windowOrder(grid, windows);
  const postInWindowOrder = order !== null && !summary.outputs.includes(tap.post);
  return {
    manifest,
    ep: tapped.ep,
    fallbackReason,
    added: tapped.added,
    notes,
    async embedImage(image): Promise<EmbeddedTokens> {
      const { pre, post, seen } = await runImage(tapped, summary, description, image);
      checkCount(pre, tokens.pre, tokens.dPre, 'pre-projection', tap.pre);
      checkCount(post, tokens.post, tokens.dPost, 'post-projection', tap.post);
      const preData = order === null || windows === null ? pre.data : fromWindowOrder(pre.data, order, windows.mergeSize ** 2, tokens.dPre);
      return {
        pre: mergeWindows === null ? preData : rasterFromMergeWindows(preData, grid, mergeWindows, tokens.dPre),
        post: postInWindowOrder ? fromWindowOrder(post.data, order, 1, tokens.dPost) : post.data,
        display: rgbToRgba(seen.rgb),
      };
    },
    dispose: () => tapped.dispose(),
  };
}
