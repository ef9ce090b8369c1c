/** Opening a pack from the user's files: each refusal names the file and says what to choose. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../support/outsideData.ts';
import { findManifest, MAX_MANIFEST_BYTES, modelFiles, parseManifest, userPackId } from '../../../src/core/pack/packFiles.ts';

const manifestText = readFileSync(resolve(import.meta.dirname, '../../../models/vit-mlp/manifest.json'), 'utf8');
const file = (name: string, size = 10) => ({ name, size });

describe('findManifest', () => {
  it('finds the one manifest among the chosen files', () => {
    const chosen = [file('encoder.onnx'), file('manifest.json', 900), file('connector.onnx')];
    expect(findManifest(chosen)).toBe(chosen[1]);
  });
  it('refuses a choice without a manifest and counts what was chosen', () => {
    expect(refusal(() => findManifest([file('encoder.onnx'), file('connector.onnx'), file('notes.txt')]))).toBe(
      'No manifest.json among the 3 files you chose (2 .onnx). A model pack is manifest.json plus the two .onnx files it names (see docs/model-pack.md); choose them together. A stock export (vision_encoder*.onnx) needs its config.json and preprocessor_config.json chosen with it.',
    );
  });
  it('refuses two manifests and an oversized one', () => {
    expect(refusal(() => findManifest([file('manifest.json'), file('manifest.json')]))).toBe(
      '2 files named manifest.json were chosen; open one pack at a time.',
    );
    expect(refusal(() => findManifest([file('manifest.json', MAX_MANIFEST_BYTES + 1)]))).toMatch(
      /^manifest\.json is 1\.0 MB; a pack manifest is a small JSON file\./,
    );
  });
});

describe('parseManifest', () => {
  it('accepts a shipped manifest, with or without a byte-order mark', () => {
    expect(parseManifest(manifestText).id).toBe('vit-mlp');
    expect(parseManifest(`\uFEFF${manifestText}`).tokens.pre).toBe(196);
  });
  it('refuses text that is not JSON, saying so', () => {
    expect(refusal(() => parseManifest('{"id": '))).toMatch(/^manifest\.json is not valid JSON \(.+\)\. Fix it or export the pack again\.$/);
  });
  it('refuses wrong types, naming the field', () => {
    const wrong = JSON.parse(manifestText);
    wrong.tokens.pre = 'abc';
    expect(refusal(() => parseManifest(JSON.stringify(wrong)))).toBe(
      'manifest.json is not a valid pack manifest: manifest.tokens.pre: expected a positive integer, got "abc". See docs/model-pack.md.',
    );
  });
  it('shows at most four problems and counts the rest', () => {
    expect(refusal(() => parseManifest('{}'))).toMatch(/; and \d+ more\. See docs\/model-pack\.md\.$/);
  });
});

describe('modelFiles', () => {
  const manifest = parseManifest(manifestText);
  it('picks the files the manifest names', () => {
    const chosen = [file('manifest.json'), file('connector.onnx', 5), file('encoder.onnx', 7)];
    expect(modelFiles(manifest, chosen)).toEqual({ encoder: chosen[2], connector: chosen[1] });
  });
  it('refuses a missing or empty model file', () => {
    expect(refusal(() => modelFiles(manifest, [file('manifest.json'), file('encoder.onnx')]))).toBe(
      'The manifest names its connector "connector.onnx", which is not among the files you chose. Choose it together with manifest.json.',
    );
    expect(refusal(() => modelFiles(manifest, [file('encoder.onnx', 0), file('connector.onnx')]))).toBe(
      'encoder.onnx is empty (0 bytes). Export the pack again.',
    );
  });
  it('gives user packs picker ids no built-in pack has', () => {
    expect(userPackId(manifest)).toBe('user:vit-mlp');
  });
});
