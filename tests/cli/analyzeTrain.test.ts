/**
 * connector-lens analyze --train: the reconstructor is trained on the analysed images with the
 * app's code, and the export carries what the app's export carries for it. Checked independently:
 * numpy reads patch_loss.npy, and PyTorch (tools/reconstructor_loss.py, the model rebuilt from
 * reconstructor.safetensors + .json) recomputes an image's per-patch loss from its two blocks; the
 * two agree within float32 rounding. images.csv names each image's split.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, NEVER_STOP } from '../../cli/analyze.ts';
import type { AnalyzeArgs } from '../../cli/args.ts';
import { parseArgs } from '../../cli/args.ts';
import { EXIT } from '../../cli/exitCodes.ts';
import { recordingReporter } from '../../cli/reporter.ts';
import type { PackManifest } from '../../src/core/types.ts';
import { TOOLS_PYTHON, whyNoToolsPython } from '../support/toolsPython.ts';
import { PACK, REPO, tempDir, writeImageFolder } from './imageFolderFixture.ts';

const TIMEOUT = 300_000;
const manifest = JSON.parse(readFileSync(join(REPO, 'models', PACK, 'manifest.json'), 'utf8')) as PackManifest;
const T = manifest.image.grid[0] * manifest.image.grid[1];
const IMAGES = 8;

let root: string;
let out: string;
let code: number;
const reporter = recordingReporter();

beforeAll(async () => {
  root = tempDir('analyze-train');
  const folder = join(root, 'images');
  writeImageFolder(folder, IMAGES, 4);
  out = join(root, 'out');
  const args: AnalyzeArgs = { imagesDir: folder, pack: PACK, out, k: 3, metric: 'cosine', includeSelf: false, labels: null, shard: null, train: 3 };
  code = await analyze(args, reporter, NEVER_STOP);
}, TIMEOUT);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('analyze --train', () => {
  it('trains, says so, and writes the reconstruction files beside the tables', () => {
    expect(code, reporter.lines.map((l) => l.text).join('\n')).toBe(EXIT.ok);
    const said = reporter.lines.map((l) => l.text).join('\n');
    expect(said).toMatch(
      /Trained the reconstructor on (wasm|cpu).*token-wise-mlp \(hidden 256, [\d,]+ parameters\), best validation loss \d\.\d{4} at epoch [1-3]\./,
    );
    for (const file of ['patch_loss.npy', 'patch_loss.json', 'reconstructor.safetensors', 'reconstructor.json', 'images.csv', 'report.json'])
      expect(existsSync(join(out, file)), file).toBe(true);
    const csv = readFileSync(join(out, 'images.csv'), 'utf8');
    const splits = csv
      .split('\r\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .slice(1);
    expect(splits).toHaveLength(IMAGES);
    // The app's split: one image in five held out, at least one.
    expect(splits.filter((l) => l.includes(',validation,')).length).toBe(Math.round(IMAGES * 0.2));
    expect(splits.filter((l) => l.includes(',train,')).length).toBe(IMAGES - Math.round(IMAGES * 0.2));
  });

  it('patch_loss.npy (read by numpy) equals the loss PyTorch recomputes from the exported model and the blocks', (ctx) => {
    const why = whyNoToolsPython('torch', 'safetensors', 'numpy');
    if (why) ctx.skip(why);
    const rows = JSON.parse(readFileSync(join(out, 'patch_loss.json'), 'utf8')) as { shape: number[]; rows: { row: number; name: string }[] };
    expect(rows.shape).toEqual([IMAGES, T]);
    const npy = spawnSync(
      TOOLS_PYTHON,
      [
        '-c',
        'import json, sys, numpy; a = numpy.load(sys.argv[1]); print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "rows": a.astype(float).tolist()}))',
        join(out, 'patch_loss.npy'),
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(npy.status, npy.stderr).toBe(0);
    const saved = JSON.parse(npy.stdout) as { shape: number[]; dtype: string; rows: number[][] };
    expect(saved).toMatchObject({ shape: [IMAGES, T], dtype: 'float32' });
    for (const image of [1, 6]) {
      const id = String(image).padStart(6, '0');
      const block = (side: string) => join(out, `${side}-block-${id}.safetensors`);
      const run = spawnSync(
        TOOLS_PYTHON,
        [
          join(REPO, 'tools/reconstructor_loss.py'),
          '--weights',
          join(out, 'reconstructor.safetensors'),
          '--config',
          join(out, 'reconstructor.json'),
          '--pre',
          block('pre'),
          '--post',
          block('post'),
          '--json',
        ],
        { encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      const torch = JSON.parse(run.stdout) as { perPatch: number[] };
      const row = saved.rows[image]!;
      for (let t = 0; t < T; t++) {
        expect(row[t]).toBeGreaterThan(1e-4); // a loss of zero would make the check vacuous
        expect(Math.abs(torch.perPatch[t]! - row[t]!) / row[t]!, `image ${image}, patch ${t}`).toBeLessThan(1e-4);
      }
    }
  });

  it('the snippet in docs/reconstructor-in-pytorch.md, run as written in the output folder, prints the same per-patch loss', (ctx) => {
    const why = whyNoToolsPython('torch', 'safetensors', 'numpy');
    if (why) ctx.skip(why);
    const doc = readFileSync(join(REPO, 'docs/reconstructor-in-pytorch.md'), 'utf8');
    const snippet = /```python\n([^]*?)```/.exec(doc)?.[1];
    expect(snippet, 'a python block in the doc').toBeTruthy();
    // The snippet reads image 7's blocks; the line added after it only reports what it computed.
    const run = spawnSync(TOOLS_PYTHON, ['-c', `${snippet}\nimport json as _json\nprint("SNIPPET-LOSS", _json.dumps(loss.astype(float).tolist()))`], {
      cwd: out,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const printed = /SNIPPET-LOSS (.*)/.exec(run.stdout)?.[1];
    const loss = JSON.parse(printed ?? '[]') as number[];
    const npy = spawnSync(
      TOOLS_PYTHON,
      ['-c', 'import json, sys, numpy; print(json.dumps(numpy.load(sys.argv[1])[7].astype(float).tolist()))', join(out, 'patch_loss.npy')],
      {
        encoding: 'utf8',
      },
    );
    const row = JSON.parse(npy.stdout) as number[];
    expect(loss).toHaveLength(T);
    for (let t = 0; t < T; t++) expect(Math.abs(loss[t]! - row[t]!) / row[t]!, `patch ${t}`).toBeLessThan(1e-4);
  });

  it('is refused with --shard, and takes a whole number of epochs', () => {
    expect(() => parseArgs(['analyze', 'x', '--pack', PACK, '--out', 'o', '--train', '3', '--shard', '0/2'])).toThrow(/--train needs every image/);
    expect(() => parseArgs(['analyze', 'x', '--pack', PACK, '--out', 'o', '--train', 'many'])).toThrow(/--train takes a whole number of epochs/);
    expect(parseArgs(['analyze', 'x', '--pack', PACK, '--out', 'o', '--train=5'])).toMatchObject({ kind: 'analyze', args: { train: 5 } });
  });
});
