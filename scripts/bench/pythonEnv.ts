/**
 * The Python the benchmark's references run in: the project's virtual environment (.venv, made
 * from tools/requirements-bench.txt with pinned versions) when it has what a section needs, set up
 * on first use; BENCH_PYTHON names another interpreter. A missing interpreter or package is not an
 * error: the section's row says what could not run and why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const VENV = resolve(ROOT, '.venv');
const REQUIREMENTS = resolve(ROOT, 'tools/requirements-bench.txt');

export type PythonCheck = { readonly ok: true; readonly python: string } | { readonly ok: false; readonly why: string };

const has = (python: string, modules: readonly string[]) => spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;

/** An interpreter with `modules`, making .venv from the pinned requirements if need be. */
export async function benchPython(modules: readonly string[] = ['numpy', 'faiss']): Promise<PythonCheck> {
  const chosen = process.env.BENCH_PYTHON;
  if (chosen) return has(chosen, modules) ? { ok: true, python: chosen } : { ok: false, why: `BENCH_PYTHON (${chosen}) lacks ${modules.join(' or ')}` };
  const python = resolve(VENV, 'bin/python');
  if (existsSync(python) && has(python, modules)) return { ok: true, python };
  const made = existsSync(python) ? { status: 0 } : spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  if (made.status !== 0) return { ok: false, why: 'python3 -m venv .venv failed (is python3-venv installed?)' };
  console.log('bench: installing the pinned references into .venv (tools/requirements-bench.txt)…');
  const installed = spawnSync(python, ['-m', 'pip', 'install', '-q', '-r', REQUIREMENTS], { stdio: 'inherit' });
  if (installed.status !== 0) return { ok: false, why: 'pip could not install tools/requirements-bench.txt (no package index?)' };
  return has(python, modules) ? { ok: true, python } : { ok: false, why: `.venv lacks ${modules.join(' or ')} after installing` };
}

export function runPython(python: string, args: readonly string[]): string {
  return execFileSync(python, [...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
}
