/**
 * The packs shipped in models/, found at build time: Vite turns each file into a hashed asset
 * URL, so the production build carries them and runs offline from any folder.
 */
import type { ModelSource } from '../workers/protocol.ts';

export interface BuiltinPack {
  readonly id: string;
  /** Raw manifest JSON: validated when the pack is opened, like any outside data. */
  readonly manifestJson: unknown;
  readonly fileUrl: (name: string) => ModelSource | null;
}

const manifests = import.meta.glob<unknown>('../../models/*/manifest.json', { eager: true, import: 'default' });
const onnxUrls = import.meta.glob<string>('../../models/*/*.onnx', { eager: true, query: '?url', import: 'default' });
const index = import.meta.glob<{ default: string; packs: { id: string }[] }>('../../models/index.json', { eager: true, import: 'default' });

function packIdOf(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 2]!;
}

export const builtinPacks: readonly BuiltinPack[] = Object.entries(manifests)
  .map(([path, manifestJson]) => {
    const id = packIdOf(path);
    return {
      id,
      manifestJson,
      fileUrl: (name: string): ModelSource | null => {
        const url = onnxUrls[`../../models/${id}/${name}`];
        return url ? { kind: 'url', url } : null;
      },
    };
  })
  .sort((a, b) => a.id.localeCompare(b.id));

export const defaultPackId: string = Object.values(index)[0]?.default ?? builtinPacks[0]?.id ?? '';
