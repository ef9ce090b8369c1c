/**
 * A loaded model pack: encoder + connector sessions on one execution provider, checked against
 * the manifest (names and shapes) by a warm-up run, so a pack whose ONNX contradicts its manifest
 * is refused at load with a message naming the tensor and both shapes.
 */
import { errorText, isUserFacing, UserFacingError } from '../core/errors.ts';
import type { PackManifest } from '../core/types.ts';
import { createSession, type ExecutionProvider, type ExternalDataFile, type Session } from './ort.ts';

export interface PackRunner {
  readonly manifest: PackManifest;
  readonly ep: ExecutionProvider;
  readonly fallbackReason: string | null;
  /** pixels: NCHW [1, 3, size, size]. Returns row-major [T, d_v] and [T', d_l]. */
  embed(pixels: Float32Array): Promise<{ pre: Float32Array; post: Float32Array }>;
  dispose(): Promise<void>;
}

function requireName(session: Session, kind: 'input' | 'output', name: string, file: string): void {
  const names = kind === 'input' ? session.inputNames : session.outputNames;
  if (!names.includes(name)) {
    throw new UserFacingError(`${file}: the manifest names ${kind} "${name}", but the model's ${kind}s are ${names.map((n) => `"${n}"`).join(', ')}`);
  }
}

function requireDims(actual: readonly number[], expected: readonly number[], what: string): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new UserFacingError(`${what}: the model produced shape [${actual.join(', ')}], the manifest says [${expected.join(', ')}]`);
  }
}

/** Side files of weights, per model, by the name the ONNX graph uses. */
export interface PackExternalData {
  readonly encoder?: readonly ExternalDataFile[];
  readonly connector?: readonly ExternalDataFile[];
}

async function openOn(
  manifest: PackManifest,
  encoderBytes: Uint8Array,
  connectorBytes: Uint8Array,
  preferred: readonly ExecutionProvider[],
  external: PackExternalData,
): Promise<PackRunner> {
  const { io, image, tokens, files } = manifest;
  const encoder = await createSession(encoderBytes, preferred, external.encoder);
  let connector: Session | null = null;
  try {
    connector = await createSession(connectorBytes, [encoder.ep], external.connector);
    requireName(encoder, 'input', io.encoderInput, files.encoder);
    requireName(encoder, 'output', io.encoderOutput, files.encoder);
    requireName(connector, 'input', io.connectorInput, files.connector);
    requireName(connector, 'output', io.connectorOutput, files.connector);
    const enc = encoder;
    const con = connector;
    const embed = async (pixels: Float32Array) => {
      const pre = (await enc.run({ [io.encoderInput]: { data: pixels, dims: [1, 3, image.size, image.size] } }))[io.encoderOutput]!;
      requireDims(pre.dims, [1, tokens.pre, tokens.dPre], `${files.encoder} output "${io.encoderOutput}"`);
      const post = (await con.run({ [io.connectorInput]: pre }))[io.connectorOutput]!;
      requireDims(post.dims, [1, tokens.post, tokens.dPost], `${files.connector} output "${io.connectorOutput}"`);
      return { pre: pre.data, post: post.data };
    };
    // Warm-up doubles as the shape check.
    await embed(new Float32Array(3 * image.size * image.size));
    return {
      manifest,
      ep: encoder.ep,
      fallbackReason: encoder.fallbackReason,
      embed,
      dispose: async () => {
        await enc.dispose();
        await con.dispose();
      },
    };
  } catch (error) {
    await encoder.dispose().catch(() => undefined);
    await connector?.dispose().catch(() => undefined);
    throw error;
  }
}

/** Names and shapes that contradict the manifest are the pack's fault on every provider. */
const isPackFault = isUserFacing;

/**
 * Open a pack on the first provider that both creates and runs it: WebGPU can accept a session
 * and still fail its first run (unsupported kernel, lost device), so the warm-up decides.
 */
async function openFirstWorking(
  manifest: PackManifest,
  encoderBytes: Uint8Array,
  connectorBytes: Uint8Array,
  preferred: readonly ExecutionProvider[],
  external: PackExternalData,
): Promise<PackRunner> {
  const failures: string[] = [];
  for (let i = 0; i < preferred.length; i++) {
    try {
      const runner = await openOn(manifest, encoderBytes, connectorBytes, preferred.slice(i), external);
      if (failures.length === 0) return runner;
      const reason = [...failures, runner.fallbackReason].filter(Boolean).join('; ');
      return { ...runner, fallbackReason: reason };
    } catch (error) {
      // Shape/name mismatches are the pack's fault, not the provider's: do not retry.
      if (isPackFault(error) || i === preferred.length - 1) throw error;
      failures.push(`${preferred[i]} failed: ${errorText(error)}`);
    }
  }
  throw new Error('no execution provider given');
}

export async function openPack(
  manifest: PackManifest,
  encoderBytes: Uint8Array,
  connectorBytes: Uint8Array,
  preferred: readonly ExecutionProvider[],
  external: PackExternalData = {},
): Promise<PackRunner> {
  return openFirstWorking(manifest, encoderBytes, connectorBytes, preferred, external);
}
