/**
 * Processor parity checked live (issue 16 item 5): the installed transformers' own image
 * processors (CLIP, SigLIP, LLaVA-OneVision's base view, Idefics2, Idefics3/SmolVLM, Qwen2-VL, with the installed Pillow, in .venv-hf)
 * make the reference now, on the bundled CC0 photos and odd sizes (scripts/hfProcessorFixtures.py
 * --out a temporary folder), and the app's processors must equal it: every 8-bit value before
 * normalisation (CRC-32 of the whole tensor) and every float after. The same suite as the
 * committed fixture's (tests/support/processorParity.ts), so a new transformers or Pillow that
 * changes a single value fails here, in CI, not at a user's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { it } from 'vitest';
import { HF_PYTHON, whyNoHfPython } from '../support/hfPython.ts';
import { loadHfProcessors } from '../support/hfProcessorsFixture.ts';
import { processorParitySuite } from '../support/processorParity.ts';

/** Made at collection time: the suite's cases are the fixture's. */
function liveFixture(): { folder: string } | { error: string } {
  const why = whyNoHfPython();
  if (why) return { error: why };
  const folder = mkdtempSync(join(tmpdir(), 'hf-processors-live-'));
  const script = resolve(import.meta.dirname, '../../scripts/hfProcessorFixtures.py');
  const made = spawnSync(HF_PYTHON, [script, '--out', folder], { encoding: 'utf8', timeout: 180_000 });
  if (made.status !== 0) return { error: `${HF_PYTHON} scripts/hfProcessorFixtures.py --out ${folder} failed: ${made.stderr || made.error?.message}` };
  return { folder };
}

const live = liveFixture();
if ('error' in live) {
  it('makes the live reference with transformers’ own processors', () => {
    throw new Error(live.error);
  });
} else {
  processorParitySuite(loadHfProcessors(live.folder), ', made live', ['clip', 'siglip', 'llava-onevision', 'idefics2', 'idefics3', 'qwen2-vl']);
}
