/**
 * Reconstructor training throughput: the app's trainer (ml/trainReconstructor.ts) in headless
 * Chromium on tfjs's WASM backend with one thread, the backend a browser without a hardware GPU
 * trains on (ml/tfBackend.ts; trainingChromium.ts runs it), against PyTorch CPU running the same
 * architecture (docs/method.md: Linear LN GELU Dropout twice, then Linear), the same optimiser
 * step (Adam, decoupled weight decay), batch, dtype (float32) and epoch (training batches, then a
 * forward pass over the validation images). One thread each. Throughput is training tokens per
 * second over the epochs after the first (warm-up excluded).
 *
 * Two sizes (trainingApp.ts): the default pack's (196 tokens, d 96 -> 128, hidden 256, 4 images a
 * batch) and LLaVA-1.5's widths (d 1024 -> 4096, hidden 2048; 144 tokens an image, a quarter of
 * LLaVA's 576, so that the slower side finishes in about a minute: the model is token-wise, so
 * the cost of a token does not depend on how many an image has).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitImages } from '../../src/ml/trainReconstructor.ts';
import { benchPython, runPython } from './pythonEnv.ts';
import type { BenchRow } from './report.ts';
import { TRAINING_SIZES, VALIDATION_FRACTION, type TrainingSize } from './trainingApp.ts';
import { chromiumTrainingEpochs } from './trainingChromium.ts';

const TORCH_SCRIPT = `
import sys, json, time, math, torch
torch.set_num_threads(1)
torch.manual_seed(0)
images, tokens, d_pre, d_post, hidden, batch, epochs, train_images = map(int, sys.argv[1:9])
model = torch.nn.Sequential(
    torch.nn.Linear(d_post, d_post), torch.nn.LayerNorm(d_post, eps=1e-5), torch.nn.GELU(), torch.nn.Dropout(0.1),
    torch.nn.Linear(d_post, hidden), torch.nn.LayerNorm(hidden, eps=1e-5), torch.nn.GELU(), torch.nn.Dropout(0.1),
    torch.nn.Linear(hidden, d_pre))
decayed = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
others = [p for p in model.parameters() if all(p is not w for w in decayed)]
optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 1e-2}, {"params": others, "weight_decay": 0.0}], lr=1e-3)
post = torch.rand(images, tokens, d_post) * 2 - 1
pre = torch.rand(images, tokens, d_pre) * 2 - 1
train, val = list(range(train_images)), list(range(train_images, images))
times = []
for epoch in range(epochs):
    start = time.perf_counter()
    model.train()
    order = torch.randperm(len(train)).tolist()
    for s in range(0, len(order), batch):
        idx = [train[i] for i in order[s:s + batch]]
        loss = torch.nn.functional.mse_loss(model(post[idx]), pre[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss.item()
    model.eval()
    with torch.no_grad():
        for s in range(0, len(val), batch):
            idx = val[s:s + batch]
            torch.nn.functional.mse_loss(model(post[idx]), pre[idx]).item()
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": times, "torch": torch.__version__}))
`;

/** Tokens a second over the epochs after the first. */
const throughput = (size: TrainingSize, trainImages: number, seconds: readonly number[]) => {
  const steady = seconds.slice(1);
  return (trainImages * size.tokens * steady.length) / steady.reduce((a, b) => a + b, 0);
};

export async function trainingBench(): Promise<BenchRow[]> {
  const python = await benchPython(['torch']);
  const rows: BenchRow[] = [];
  for (const [index, size] of TRAINING_SIZES.entries()) {
    const trainImages = splitImages(size.images, VALIDATION_FRACTION, 1).train.length;
    const what = `reconstructor training, ${size.name} (${size.tokens} tokens, d ${size.dPre} <- ${size.dPost}, hidden ${size.hidden}, batch ${size.batchSize}), float32, one thread`;
    const page = await chromiumTrainingEpochs(index);
    if ('why' in page) {
      rows.push({ what, app: 'not run', reference: 'PyTorch: not run', ratio: null, better: 'higher', target: '>= 0.5', met: null, note: page.why });
      continue;
    }
    const app = throughput(size, trainImages, page.seconds);
    const appText = `${app.toFixed(0)} tokens/s (headless Chromium, tfjs ${page.backend}, products on ${page.ownKernel ? "the project's kernel" : 'XNNPACK'})`;
    if (!python.ok) {
      rows.push({ what, app: appText, reference: 'PyTorch: not run', ratio: null, better: 'higher', target: '>= 0.5', met: null, note: python.why });
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'lens-train-'));
    try {
      const script = join(dir, 'train.py');
      writeFileSync(script, TORCH_SCRIPT);
      const args = [size.images, size.tokens, size.dPre, size.dPost, size.hidden, size.batchSize, size.epochs, trainImages].map(String);
      const out = JSON.parse(runPython(python.python, [script, ...args])) as { seconds: number[]; torch: string };
      const reference = throughput(size, trainImages, out.seconds);
      const ratio = app / reference;
      rows.push({
        what,
        app: appText,
        reference: `${reference.toFixed(0)} tokens/s (PyTorch ${out.torch} CPU)`,
        ratio,
        better: 'higher',
        target: '>= 0.5',
        met: ratio >= 0.5,
        note: `${trainImages} training and ${size.images - trainImages} validation images an epoch; epochs after the first`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
