/**
 * The Python with the real Hugging Face stack (issue 16): `HF_PYTHON`, else the project's
 * `.venv-hf` (tools/requirements-hf.txt, pinned by tools/requirements-hf.lock; .ci/run makes it).
 * `whyNoHfPython` says what is missing and how to make it, so a test fails with instructions
 * instead of passing silently.
 */
import { execFile, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export const HF_PYTHON = process.env.HF_PYTHON ?? resolve(import.meta.dirname, '../../.venv-hf/bin/python');

const MODULES = ['torch', 'transformers', 'safetensors', 'onnx', 'PIL'] as const;

/** Why the transformers tests cannot run here, or null when they can. */
export function whyNoHfPython(): string | null {
  const missing = MODULES.filter((name) => spawnSync(HF_PYTHON, ['-c', `import ${name}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return null;
  return `${HF_PYTHON} cannot import ${missing.join(', ')}. Make the transformers venv: python3 -m venv .venv-hf && .venv-hf/bin/pip install -r tools/requirements-hf.txt -c tools/requirements-hf.lock (.ci/run does this).`;
}

const run = promisify(execFile);

/** Runs HF_PYTHON with `args`; its stdout, or an error carrying the command and its stderr. */
export async function runHfPython(args: readonly string[], timeoutMs = 240_000): Promise<string> {
  try {
    const { stdout } = await run(HF_PYTHON, args, { timeout: timeoutMs });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${HF_PYTHON} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}
