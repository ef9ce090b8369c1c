/**
 * Open a model pack from the user's own files (manifest.json, the two .onnx files it names, and
 * any external-weight files). The manifest is checked here; the models are read and checked in
 * the inference worker. A refusal says what to choose instead and leaves the open pack as it is.
 */
import { userMessage } from '../core/errors.ts';
import { findManifest, modelFiles, parseManifest, userPackId } from '../core/pack/packFiles.ts';
import { modelStore } from './modelStore.ts';
import { openPack } from './pipeline.ts';
import { say } from './uiStore.ts';

/** The files of the user pack last opened, so the picker can switch back to it. */
let remembered: readonly File[] = [];

export function reopenUserPack(): Promise<void> {
  return openPackFromFiles(remembered);
}

export async function openPackFromFiles(files: readonly File[]): Promise<void> {
  let opened: Parameters<typeof openPack>;
  try {
    const manifest = parseManifest(await findManifest(files).text());
    const { encoder, connector } = modelFiles(manifest, files);
    const siblings = files.filter((f) => f !== encoder && f !== connector && f.name !== 'manifest.json').map((f) => ({ name: f.name, file: f }));
    opened = [
      userPackId(manifest, encoder, connector),
      manifest,
      { kind: 'file', name: encoder.name, file: encoder, siblings },
      { kind: 'file', name: connector.name, file: connector, siblings },
    ];
  } catch (error) {
    say('error', userMessage(error, `Could not read the pack files: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  const [packId, manifest] = opened;
  if (await openPack(...opened)) {
    remembered = files;
    modelStore.setState({ userPack: { id: packId, name: `${manifest.name} (your files)` } });
    say('info', `Opened "${manifest.name}" from your files. It is not stored: after a reload, open it again.`);
  }
}
