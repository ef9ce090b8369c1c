/**
 * The whole export: which files a session yields, and the zip opened by fflate's unzipSync and by
 * Python's zipfile (every member's bytes, PNGs stored, text deflated, CRCs checked).
 */
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SESSION_FILES, sessionFiles, zipSession } from '../../../src/core/export/sessionBundle.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { runPython, tempFile } from './python.ts';
import { INJECTION, sessionFixture } from './sessionFixture.ts';

const TABLES = [
  SESSION_FILES.images,
  SESSION_FILES.neighbours,
  SESSION_FILES.vectorsPre,
  SESSION_FILES.vectorsPost,
  SESSION_FILES.metadata,
  SESSION_FILES.report,
];
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(200).fill(7)]);
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe('sessionFiles', () => {
  it('writes the tables always, patch losses with a reconstruction, the reconstructor with its weights', () => {
    expect(Object.keys(sessionFiles(sessionFixture({ reconstruction: 'none' })))).toEqual(TABLES);
    expect(Object.keys(sessionFiles(sessionFixture({ reconstruction: 'losses' })))).toEqual([...TABLES, SESSION_FILES.patchLoss, SESSION_FILES.patchLossIndex]);
    expect(Object.keys(sessionFiles(sessionFixture()))).toEqual([
      ...TABLES,
      SESSION_FILES.patchLoss,
      SESSION_FILES.patchLossIndex,
      SESSION_FILES.reconstructor,
      SESSION_FILES.reconstructorConfig,
    ]);
  });

  it("writes metadata.tsv with a name/label/knor header and one row per image, in the vectors files' order", () => {
    const s = sessionFixture();
    const files = sessionFiles(s);
    const rows = text(files[SESSION_FILES.metadata])
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => line.split('\t'));
    expect(rows[0]).toEqual(['name', 'label', 'knor']);
    expect(rows).toHaveLength(1 + s.images.length);
    for (const row of rows) expect(row).toHaveLength(3);
    expect(rows[3]![0]).toBe(`'${INJECTION}`);
    expect(rows.slice(1).map((row) => Math.fround(Number(row[2])))).toEqual(Array.from(s.knor.perImage));
    const vectors = text(files[SESSION_FILES.vectorsPost]).replace(/\n$/, '').split('\n');
    expect(vectors).toHaveLength(s.images.length);
    expect(
      Float32Array.from(
        vectors.flatMap((line) => line.split('\t')),
        Number,
      ),
    ).toEqual(s.pooled.post);
  });

  it('refuses inputs whose shapes disagree, naming the field', () => {
    const s = sessionFixture();
    expect(() => sessionFiles({ ...s, images: [] })).toThrow(/invalid images: none/);
    expect(() => sessionFiles({ ...s, knor: { ...s.knor, perImage: new Float32Array(3) } })).toThrow(/invalid knor.perImage/);
    expect(() => sessionFiles({ ...s, knor: { ...s.knor, nnPre: s.knor.nnPre.slice(1) } })).toThrow(/invalid knor.nnPre/);
    expect(() => sessionFiles({ ...s, pooled: { ...s.pooled, dPost: 5 } })).toThrow(/invalid pooled.post/);
    expect(() => sessionFiles({ ...s, reconstruction: { ...s.reconstruction!, grid: [3, 3] } })).toThrow(/invalid reconstruction.perPatch/);
    const noReconstruction = sessionFixture({ reconstruction: 'none' });
    expect(() =>
      sessionFiles({ ...noReconstruction, images: noReconstruction.images.map((image, i) => (i === 2 ? { ...image, split: 'train' as const } : image)) }),
    ).toThrow(/images\[2\].split: 'train' with no reconstruction/);
  });
});

describe('zipSession', () => {
  const files = () => ({ ...sessionFiles(sessionFixture()), 'heatmaps/cat1.png': PNG, 'figures/knor_histogram.svg': new TextEncoder().encode('<svg/>') });

  it('holds every file byte for byte (fflate unzipSync), extra files included', () => {
    const all = files();
    const unzipped = unzipSync(zipSession(all, new Date('2026-12-04T10:11:12Z')));
    expect(Object.keys(unzipped).sort()).toEqual(Object.keys(all).sort());
    for (const [name, bytes] of Object.entries(all)) expect(unzipped[name], name).toEqual(bytes);
  });

  it("opens with Python's zipfile: CRCs good, PNGs stored, text deflated, every member equal", (ctx) => {
    const why = whyNoToolsPython('zipfile');
    if (why) ctx.skip(why);
    const all = files();
    const path = tempFile('session.zip', zipSession(all));
    const read = JSON.parse(
      runPython(
        `import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({'bad': z.testzip(), 'members': {i.filename: {'stored': i.compress_type == zipfile.ZIP_STORED, 'hex': z.read(i).hex()} for i in z.infolist()}}))`,
        [path],
      ),
    ) as { bad: string | null; members: Record<string, { stored: boolean; hex: string }> };
    expect(read.bad).toBeNull();
    expect(Object.keys(read.members).sort()).toEqual(Object.keys(all).sort());
    for (const [name, bytes] of Object.entries(all)) {
      expect(read.members[name]!.hex, name).toBe(Buffer.from(bytes).toString('hex'));
      expect(read.members[name]!.stored, name).toBe(name.endsWith('.png'));
    }
  });
});
