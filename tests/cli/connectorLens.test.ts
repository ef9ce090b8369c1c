/**
 * The command as people run it: bin/connector-lens.mjs in a child process (from outside the
 * repository, to show it finds its own tsx and models). Usage mistakes exit 2 with a sentence and
 * write nothing; broken images are listed with the app's messages and exit 1 while the rest are
 * analysed; Ctrl-C stops after the current image and exits 130.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../cli/args.ts';
import { undecodablePng } from '../e2e/png.ts';
import { LAUNCHER, PACK, tempDir, writeImageFolder } from './imageFolderFixture.ts';

const TIMEOUT = 300_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the launcher; `onStderr` sees the error stream as it grows and may signal the child. */
function cli(args: readonly string[], cwd: string, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

let root: string;
beforeAll(() => {
  root = tempDir('launcher');
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('connector-lens (launcher)', () => {
  it(
    'prints the usage for --help and exits 0',
    async () => {
      const r = await cli(['--help'], root);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${USAGE}\n`);
    },
    TIMEOUT,
  );

  it(
    'exits 2 with a sentence for bad usage, and writes nothing',
    async () => {
      const images = join(root, 'usage-images');
      writeImageFolder(images, 4);
      const out = join(root, 'usage-out');

      const noPack = await cli(['analyze', images, '--out', out], root);
      expect(noPack.code).toBe(2);
      expect(noPack.stderr).toBe(
        'error: analyze needs --pack <id|dir> (a built-in pack such as mnv2-mlp, or a pack folder). Run connector-lens --help for usage.\n',
      );

      const badPack = await cli(['analyze', images, '--pack', 'no-such-pack', '--out', out, '--k', '2'], root);
      expect(badPack.code).toBe(2);
      expect(badPack.stderr).toMatch(
        /^error: --pack no-such-pack is neither a built-in pack \(mnv2-merger, mnv2-mlp, .*vit-pixel-shuffle\) nor a folder\. Give one of those ids, or the folder that holds manifest\.json and its \.onnx files\.\n$/,
      );

      const bigK = await cli(['analyze', images, '--pack', PACK, '--out', out, '--k', '4'], root);
      expect(bigK.code).toBe(2);
      expect(bigK.stderr).toContain(`KNOR with k = 4 needs at least 5 images; ${images} holds 4 files. Lower --k or add images.`);

      const sameAsInput = await cli(['analyze', images, '--pack', PACK, '--out', images, '--k', '2'], root);
      expect(sameAsInput.code).toBe(2);
      expect(sameAsInput.stderr).toContain(`--out ${images} is also an input folder; write the results to a new folder.`);

      const full = join(root, 'full-out');
      writeImageFolder(full, 1);
      const notEmpty = await cli(['analyze', images, '--pack', PACK, '--out', full, '--k', '2'], root);
      expect(notEmpty.code).toBe(2);
      expect(notEmpty.stderr).toBe(`error: --out ${full} already holds 1 entry; give a new or empty folder, so results of two runs never mix.\n`);

      expect(existsSync(out)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "lists broken images with the app's messages, analyses the rest, and exits 1",
    async () => {
      const images = join(root, 'broken-images');
      const good = writeImageFolder(images, 4);
      const whole = readFileSync(join(images, good[0]!.relPath));
      writeFileSync(join(images, 'cats/cut.png'), whole.subarray(0, whole.length - 30));
      writeFileSync(join(images, 'dogs/bad.png'), undecodablePng(16, 16));
      writeFileSync(join(images, 'notes.dat'), 'a note about these images, not an image\n');
      writeFileSync(join(images, 'photo.heic'), Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(16)]));
      const out = join(root, 'broken-out');
      const r = await cli(['analyze', images, '--pack', PACK, '--out', out, '--k', '2'], root);
      expect(r.code).toBe(1);
      const listed = r.stderr.slice(r.stderr.indexOf('images failed and are left out:'));
      expect(r.stderr).toContain('error: 4 of 8 images failed and are left out:');
      for (const message of [
        'cats/cut.png is a truncated PNG (the file ends before its last chunk). Re-export the image and add it again.',
        'dogs/bad.png could not be decoded as PNG: the file is damaged or uses a variant this tool does not read. Re-export it as PNG and run again.',
        'notes.dat is not an image (it contains text). Add PNG, JPEG, GIF, WebP or BMP files.',
        'photo.heic is a HEIC/HEIF image, which is not supported here. Convert it to JPEG or PNG.',
      ]) {
        expect(listed).toContain(`error:   ${message}`);
      }
      // The raw decoder error only with --verbose.
      expect(r.stderr).not.toContain('details:');
      expect(r.stdout).toMatch(/^Embedded 4 of 8 images with mnv2-mlp: wrote 4 pre and 4 post blocks/m);
      expect(r.stdout).toMatch(/^KNOR: \d\.\d{3} mean over 4 images \(k = 2, cosine distance, self excluded\)\.$/m);
      expect(JSON.parse(readFileSync(join(out, 'store.json'), 'utf8')).failed).toHaveLength(4);
      expect(JSON.parse(readFileSync(join(out, 'knor.json'), 'utf8')).ids).toHaveLength(4);

      const verbose = await cli(['analyze', images, '--pack', PACK, '--out', join(root, 'broken-verbose'), '--k', '2', '--verbose'], root);
      expect(verbose.code).toBe(1);
      expect(verbose.stderr).toMatch(/dogs\/bad\.png could not be decoded as PNG.*\n {2}details: /);
    },
    TIMEOUT,
  );

  it(
    'stops after the current image on Ctrl-C, says what was written, and exits 130',
    async () => {
      const images = join(root, 'many-images');
      writeImageFolder(images, 60, 7);
      const out = join(root, 'stopped-out');
      let sent = false;
      const r = await cli(['analyze', images, '--pack', PACK, '--out', out], root, (stderr, child) => {
        if (!sent && stderr.includes('Embedding 60 images')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('Stopping after the current image (Ctrl-C again to stop at once)...');
      const stopped = /Stopped after (\d+) of 60 images \(Ctrl-C\): wrote (\d+) pre and \d+ post blocks/.exec(r.stderr);
      expect(stopped).not.toBeNull();
      const store = JSON.parse(readFileSync(join(out, 'store.json'), 'utf8'));
      expect(store.complete).toBe(false);
      expect(store.count).toBe(Number(stopped![2]));
      expect(store.count).toBeLessThan(60);
      expect(existsSync(join(out, 'knor.json'))).toBe(false);
    },
    TIMEOUT,
  );
});
