/**
 * A pack opened in Node exactly as the app opens one, for tokens that are the app's:
 *
 * - the manifest is parsed and validated by the app's code (core/pack/packFiles.ts,
 *   validateManifest.ts), the model files found as the app finds them among a pack's files, and
 *   side files of weights checked as the app checks them (core/onnx/externalData.ts);
 * - the model's content key is the app's (packModelKey over BLAKE3 digests of every file, as
 *   workers/inference.worker.ts computes it), so results can be matched with the app's cache;
 * - the pack runs through ml/packRunner.ts openPack(..., ['wasm']) wrapped by
 *   ml/analysisRunner.ts packAnalysisRunner, whose embedImage does the app's preprocessing.
 *
 * Why onnxruntime-web's WASM build and not onnxruntime-node: the same WASM kernels as the app's
 * WASM path (single-threaded, the same graph optimisations) give bit-identical tokens, so the
 * CLI's blocks and KNOR equal the app's; onnxruntime-node's native kernels (other GEMM, other
 * summation order, threads) would not.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CodedError, UserFacingError } from '../src/core/errors.ts';
import { hashBytes } from '../src/core/identity/contentHash.ts';
import { packModelKey, type FileDigest, type ModelKey } from '../src/core/identity/modelIdentity.ts';
import { checkExternalData, externalDataRefs } from '../src/core/onnx/externalData.ts';
import { findManifest, modelFiles, parseManifest } from '../src/core/pack/packFiles.ts';
import type { PackManifest } from '../src/core/types.ts';
import { packAnalysisRunner, type AnalysisRunner } from '../src/ml/analysisRunner.ts';
import type { ExternalDataFile } from '../src/ml/ort.ts';
import { openPack } from '../src/ml/packRunner.ts';
import { UsageError } from './exitCodes.ts';

/** The repository's models/ folder (built-in packs), next to cli/. */
export const MODELS_DIR = resolve(import.meta.dirname, '../models');

export type PackLocation = { readonly kind: 'builtin'; readonly id: string; readonly dir: string } | { readonly kind: 'folder'; readonly dir: string };

export interface OpenedPack {
  readonly location: PackLocation;
  readonly manifest: PackManifest;
  readonly modelKey: ModelKey;
  readonly runner: AnalysisRunner;
}

/** Ids of the built-in packs (folders of models/ with a manifest), sorted. */
export function builtinPackIds(): string[] {
  if (!existsSync(MODELS_DIR)) return [];
  return readdirSync(MODELS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(MODELS_DIR, e.name, 'manifest.json')))
    .map((e) => e.name)
    .sort();
}

/**
 * --pack: a built-in id when one has that name, else a folder. ("./mnv2-mlp" names a folder
 * even where a built-in pack has the same name.)
 */
export function resolvePack(arg: string): PackLocation {
  const ids = builtinPackIds();
  if (ids.includes(arg)) return { kind: 'builtin', id: arg, dir: join(MODELS_DIR, arg) };
  let isDir = false;
  try {
    isDir = statSync(arg).isDirectory();
  } catch {
    // neither an id nor a folder: said below
  }
  if (!isDir) {
    throw new UsageError(
      `--pack ${arg} is neither a built-in pack (${ids.join(', ')}) nor a folder. Give one of those ids, or the folder that holds manifest.json and its .onnx files.`,
    );
  }
  return { kind: 'folder', dir: resolve(arg) };
}

function filesOf(dir: string): { name: string; size: number; path: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => {
      const path = join(dir, e.name);
      return { name: e.name, size: statSync(path).size, path };
    });
}

async function digestOf(name: string, bytes: Uint8Array): Promise<FileDigest> {
  return { name, bytes: bytes.length, hash: await hashBytes(bytes) };
}

/** A graph's side files of weights, checked and hashed (none for most packs). */
async function sideFiles(
  modelName: string,
  model: Uint8Array,
  files: readonly { name: string; size: number; path: string }[],
): Promise<{ files: ExternalDataFile[]; digests: FileDigest[] }> {
  const refs = externalDataRefs(model, modelName);
  checkExternalData(modelName, refs, new Map(files.map((f) => [f.name, f.size])));
  const read = refs.map((ref) => ({ path: ref.location, data: new Uint8Array(readFileSync(files.find((f) => f.name === ref.location)!.path)) }));
  return { files: read, digests: await Promise.all(read.map((f) => digestOf(f.path, f.data))) };
}

/** Reads, checks, hashes and opens the pack. A pack that is not usable is refused as bad input (exit 2). */
export async function openPackAt(location: PackLocation): Promise<OpenedPack> {
  try {
    const files = filesOf(location.dir);
    const manifestFile = findManifest(files);
    const manifest = parseManifest(readFileSync(manifestFile.path, 'utf8'));
    const chosen = modelFiles(manifest, files);
    const encoderBytes = new Uint8Array(readFileSync(chosen.encoder.path));
    const connectorBytes = new Uint8Array(readFileSync(chosen.connector.path));
    const [encoderWeights, connectorWeights] = [
      await sideFiles(manifest.files.encoder, encoderBytes, files),
      await sideFiles(manifest.files.connector, connectorBytes, files),
    ];
    const modelKey = await packModelKey(manifest, {
      encoder: await digestOf(manifest.files.encoder, encoderBytes),
      connector: await digestOf(manifest.files.connector, connectorBytes),
      encoderWeights: encoderWeights.digests,
      connectorWeights: connectorWeights.digests,
    });
    const runner = packAnalysisRunner(
      await openPack(manifest, encoderBytes, connectorBytes, ['wasm'], { encoder: encoderWeights.files, connector: connectorWeights.files }),
    );
    return { location, manifest, modelKey, runner };
  } catch (error) {
    // The pack's own fault (a manifest, a missing or contradicting file): the caller's input.
    if (error instanceof UserFacingError) throw new UsageError(`The pack in ${location.dir} cannot be used: ${error.message}`, { cause: error });
    if (error instanceof CodedError && error.code === 'internal') {
      throw new UsageError(
        `The pack in ${location.dir} cannot be opened: ONNX Runtime (WASM) refused its models, which are damaged or use an operation or data type it lacks. Run with --verbose for the runtime's own words.`,
        { cause: new Error(error.details ?? error.message) },
      );
    }
    throw error;
  }
}
