/**
 * npm run bench:tap [-- --mb 320]
 *
 * Peak memory of opening and tapping a large model, as a ratio to the model's size. Writes a
 * model of about 320 MB (the LLaVA-style fixture's graph plus four big initializers, one graph
 * field as exporters write it) to a temp folder, then measures each way of tapping it in a fresh
 * Node process (peak RSS is per process and only grows):
 *
 * - in place (the app's path): read into a buffer with room (readWithRoom over a file-backed
 *   Blob), graph summary, boundary, tapInPlace: no second copy;
 * - one copy: readFileSync, then tapOutputs (a new buffer of model + suffix);
 * - pbjs read: readFileSync and protobufjs's full decode, to compare reading the graph alone;
 * - pbjs tap: full decode, add the output, re-encode (what a naive tapper does).
 *
 * The ratio is (peak RSS - the same process's RSS before reading) / file size: the memory the
 * model costs, without Node and the loaded modules. The in-place path must stay under 1.5.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openAsBlob, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findConnectorBoundary } from '../src/core/onnx/boundary.ts';
import { readGraphSummary } from '../src/core/onnx/graphSummary.ts';
import { onnx } from './onnx/proto.ts';
import { readWithRoom } from '../src/core/onnx/readWithRoom.ts';
import { tapInPlace, tapOutputs } from '../src/core/onnx/tap.ts';
import { fields, lengthPrefix, WireWriter } from '../src/core/onnx/wire.ts';
import { seededRandom } from '../src/core/random.ts';
import { vlmFixture } from '../tests/support/vlmFixtures.ts';

const MODES = ['in place', 'one copy', 'pbjs read', 'pbjs tap'] as const;
type Mode = (typeof MODES)[number];
const LIMIT = 1.5;

interface Measurement {
  readonly mode: Mode;
  readonly fileBytes: number;
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly ms: number;
  /** Of which: reading the graph (summary and boundary, or protobufjs's decode), without file IO. */
  readonly parseMs: number;
  readonly tapped: string;
}

/** Bytes of a TensorProto's header (name, dims, float type) and the tag/length of its raw_data. */
function tensorHeader(name: string, dims: readonly number[], dataBytes: number): Uint8Array {
  const w = new WireWriter();
  for (const d of dims) w.varint(1, d);
  w.varint(2, 1).string(8, name);
  const head = w.finish();
  const raw = lengthPrefix(9, dataBytes);
  const out = new Uint8Array(head.length + raw.length);
  out.set(head);
  out.set(raw, head.length);
  return out;
}

/** Write the model without holding it in memory: the small graph, then big initializers streamed in chunks. */
function writeBigModel(path: string, megabytes: number): number {
  const small = vlmFixture('llava', 'torchscript').bytes;
  const top = [...fields(small)];
  const graph = top.find((f) => f.field === 7)!;
  const count = 4;
  const floats = Math.ceil((megabytes * 1e6) / count / 4 / 1024) * 1024;
  const chunk = new Float32Array(1 << 20);
  const random = seededRandom(1);
  for (let i = 0; i < chunk.length; i++) chunk[i] = 2 * random() - 1;
  const chunkBytes = new Uint8Array(chunk.buffer);
  const tensors = Array.from({ length: count }, (_, i) => {
    const header = tensorHeader(`vision_tower.vision_model.encoder.big.${i}.weight`, [floats / 1024, 1024], floats * 4);
    return { header, frame: lengthPrefix(5, header.length + floats * 4) };
  });
  const graphBytes = graph.end - graph.start + tensors.reduce((n, t) => n + t.frame.length + t.header.length + floats * 4, 0);
  const fd = openSync(path, 'w');
  try {
    for (const f of top) if (f.field !== 7) writeSync(fd, small.subarray(f.at, f.end));
    writeSync(fd, lengthPrefix(7, graphBytes));
    writeSync(fd, small.subarray(graph.start, graph.end));
    for (const t of tensors) {
      writeSync(fd, t.frame);
      writeSync(fd, t.header);
      for (let left = floats * 4; left > 0; left -= chunkBytes.length) writeSync(fd, chunkBytes.subarray(0, Math.min(left, chunkBytes.length)));
    }
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

const rss = () => process.memoryUsage().rss;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** In the child: one way of tapping, timed, with peak RSS. */
async function measure(mode: Mode, path: string): Promise<Measurement> {
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = rss();
  const started = performance.now();
  let tapped: string;
  let parseMs = 0;
  const timed = <T>(f: () => T): T => {
    const t0 = performance.now();
    const out = f();
    parseMs += performance.now() - t0;
    return out;
  };
  if (mode === 'in place') {
    const { buffer, length } = await readWithRoom(await openAsBlob(path));
    const summary = timed(() => readGraphSummary(buffer.subarray(0, length)));
    const boundary = timed(() => findConnectorBoundary(summary));
    if (!boundary.found) throw new Error(boundary.why);
    const t = tapInPlace(buffer, length, [boundary.tensor], summary);
    if (!t.inPlace) throw new Error('expected an in-place tap');
    tapped = boundary.tensor;
  } else if (mode === 'one copy') {
    const bytes = readFileSync(path);
    const summary = timed(() => readGraphSummary(bytes));
    const boundary = timed(() => findConnectorBoundary(summary));
    if (!boundary.found) throw new Error(boundary.why);
    tapOutputs(bytes, [boundary.tensor], summary);
    tapped = boundary.tensor;
  } else {
    const bytes = readFileSync(path);
    const model = timed(() => onnx.ModelProto.decode(bytes));
    tapped = '/Slice_output_0';
    if (mode === 'pbjs tap') {
      model.graph!.output!.push({ name: tapped });
      onnx.ModelProto.encode(model).finish();
    }
  }
  return { mode, fileBytes: statSync(path).size, baselineRss, peakRss: peakRss(), ms: performance.now() - started, parseMs, tapped };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    process.stdout.write(JSON.stringify(await measure(args[1] as Mode, args[2]!)));
    return;
  }
  const mbAt = args.indexOf('--mb');
  const megabytes = mbAt >= 0 ? Number(args[mbAt + 1]) : 320;
  if (!(megabytes >= 1)) throw new Error(`--mb: expected a size in MB, got ${args[mbAt + 1]}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tap-'));
  try {
    const path = join(dir, 'vision_encoder.onnx');
    const size = writeBigModel(path, megabytes);
    console.log(`model: ${(size / 1e6).toFixed(1)} MB (${path})`);
    const self = fileURLToPath(import.meta.url);
    const rows: Measurement[] = [];
    for (const mode of MODES) {
      const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--measure', mode, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`${mode}: ${child.stderr}`);
      rows.push(JSON.parse(child.stdout) as Measurement);
    }
    const inPlace = rows[0]!;
    console.log('mode          total   graph read  peak RSS  model cost  memory / file  time / in place');
    for (const r of rows) {
      const cost = r.peakRss - r.baselineRss;
      const cells = [
        r.mode.padEnd(10),
        `${r.ms.toFixed(0)} ms`.padStart(9),
        `${r.parseMs.toFixed(1)} ms`.padStart(12),
        `${(r.peakRss / 1e6).toFixed(0)} MB`.padStart(9),
        `${(cost / 1e6).toFixed(0)} MB`.padStart(11),
        (cost / r.fileBytes).toFixed(2).padStart(14),
        (r.ms / inPlace.ms).toFixed(2).padStart(16),
      ];
      console.log(cells.join(' '));
    }
    const ratio = (inPlace.peakRss - inPlace.baselineRss) / inPlace.fileBytes;
    console.log(`in place: tapped ${JSON.stringify(inPlace.tapped)}; peak memory ${ratio.toFixed(2)} x file size (limit ${LIMIT})`);
    if (ratio >= LIMIT) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
