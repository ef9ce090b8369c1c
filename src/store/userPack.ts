/**
 * Open a model pack from the user's own files (manifest.json, the two .onnx files it names, and
 * any external-weight files). The manifest is checked here; the models are read and checked in
 * the inference worker. A refusal says what to choose instead and leaves the open pack as it is.
 */
import { describeFailure } from '../core/errors.ts';
import { findManifest, modelFiles, parseManifest, userPackId } from '../core/pack/packFiles.ts';
import type { PackManifest } from '../core/types.ts';
import type { ModelSource } from '../workers/protocol.ts';
import { modelStore } from './modelStore.ts';
import { openPack } from './modelSession.ts';
import { say, sayFailure } from './uiStore.ts';
import { rememberUserModel } from './userModel.ts';

/** Where the files came from, when not the user's own disk: a hub repo, and whether it is cached. */
export interface PackOrigin {
  readonly label: string;
  readonly kept: boolean;
}

export async function openPackFromFiles(files: readonly File[], origin: PackOrigin | null = null): Promise<void> {
  let chosen: { manifest: PackManifest; encoder: ModelSource; connector: ModelSource };
  try {
    const manifest = parseManifest(await findManifest(files).text());
    const { encoder, connector } = modelFiles(manifest, files);
    const siblings = files.filter((f) => f !== encoder && f !== connector && f.name !== 'manifest.json').map((f) => ({ name: f.name, file: f }));
    chosen = {
      manifest,
      encoder: { kind: 'file', name: encoder.name, file: encoder, siblings },
      connector: { kind: 'file', name: connector.name, file: connector, siblings },
    };
  } catch (error) {
    const failure = describeFailure(error, 'read the pack files');
    sayFailure('error', failure.message, failure);
    return;
  }
  const { manifest } = chosen;
  const packId = userPackId(manifest);
  const name = `${manifest.name} (${origin?.label ?? 'your files'})`;
  if (await openPack(packId, manifest, chosen.encoder, chosen.connector, `pack "${manifest.name}"`)) {
    rememberUserModel(() => openPackFromFiles(files, origin));
    modelStore.setState({ userPack: { id: packId, name } });
    say(
      'info',
      origin === null
        ? `Opened "${manifest.name}" from your files. It is not stored: after a reload, open it again.`
        : `Opened "${manifest.name}" from ${origin.label}.${origin.kept ? ' It is cached in this browser: opening it again needs no download.' : ''}`,
    );
  }
}
