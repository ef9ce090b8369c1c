/**
 * A pack opened from the user's own files: which file is the manifest, whether it parses and
 * validates, and whether the model files it names were chosen with it. Every refusal is a
 * UserFacingError that says what to choose instead; nothing here touches the open pack.
 */
import { errorText, UserFacingError } from '../errors.ts';
import type { PackManifest } from '../types.ts';
import { validateManifest } from './validateManifest.ts';

export interface ChosenFile {
  readonly name: string;
  readonly size: number;
}

/** A manifest is a few kB; anything this big is not one. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

const PACK_SHAPE =
  'A model pack is manifest.json plus the two .onnx files it names (see docs/model-pack.md); choose them together. A stock export (vision_encoder*.onnx) needs its config.json and preprocessor_config.json chosen with it.';

export function findManifest<F extends ChosenFile>(files: readonly F[]): F {
  const manifests = files.filter((f) => f.name === 'manifest.json');
  if (manifests.length === 0) {
    const onnx = files.filter((f) => f.name.endsWith('.onnx')).length;
    throw new UserFacingError(
      `No manifest.json among the ${files.length} file${files.length === 1 ? '' : 's'} you chose${onnx ? ` (${onnx} .onnx)` : ''}. ${PACK_SHAPE}`,
    );
  }
  if (manifests.length > 1) throw new UserFacingError(`${manifests.length} files named manifest.json were chosen; open one pack at a time.`);
  const manifest = manifests[0]!;
  if (manifest.size > MAX_MANIFEST_BYTES) {
    throw new UserFacingError(`manifest.json is ${(manifest.size / 1e6).toFixed(1)} MB; a pack manifest is a small JSON file. ${PACK_SHAPE}`);
  }
  return manifest;
}

export function parseManifest(text: string): PackManifest {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UserFacingError(`manifest.json is not valid JSON (${errorText(error)}). Fix it or export the pack again.`);
  }
  const checked = validateManifest(json);
  if (!checked.ok) {
    const shown = checked.errors.slice(0, 4).join('; ');
    const more = checked.errors.length > 4 ? `; and ${checked.errors.length - 4} more` : '';
    throw new UserFacingError(`manifest.json is not a valid pack manifest: ${shown}${more}. See docs/model-pack.md.`);
  }
  return checked.manifest;
}

/** The encoder and connector files the manifest names, from among the chosen files. */
export function modelFiles<F extends ChosenFile>(manifest: PackManifest, files: readonly F[]): { readonly encoder: F; readonly connector: F } {
  const pick = (role: 'encoder' | 'connector'): F => {
    const name = manifest.files[role];
    const file = files.find((f) => f.name === name);
    if (!file)
      throw new UserFacingError(`The manifest names its ${role} "${name}", which is not among the files you chose. Choose it together with manifest.json.`);
    if (file.size === 0) throw new UserFacingError(`${name} is empty (0 bytes). Export the pack again.`);
    return file;
  };
  return { encoder: pick('encoder'), connector: pick('connector') };
}

/**
 * The picker's id for a user's pack: never a built-in id. Only the picker uses it; results are
 * filed under the model's content key (core/identity/modelIdentity.ts), which the bytes decide.
 */
export function userPackId(manifest: PackManifest): string {
  return `user:${manifest.id}`;
}
