/**
 * docs/architecture.md kept honest: the folders it names exist, and the import rules it states hold
 * for every source file (static imports and re-exports, resolved to the layer they point into).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './support/sourceLines.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DOC = readFileSync(resolve(ROOT, 'docs/architecture.md'), 'utf8');

/** Every `from '...'` and `import('...')` specifier of a file. */
function specifiers(source: string): string[] {
  return [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

/** The layer an import points into: 'core', 'ml', 'store', ... for src/<layer>, 'cli', or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
  const path = relative(ROOT, resolve(dirname(file), spec)).split('/');
  return path[0] === 'src' ? (path[1] ?? 'src') : path[0]!;
}

function importsOf(folder: string): { file: string; target: string; asset: boolean }[] {
  // `?url` imports name a file for the bundler (a WASM binary), they run no code.
  return sourceFiles(resolve(ROOT, folder), true).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8')).map((spec) => ({ file: relative(ROOT, file), target: target(file, spec), asset: spec.endsWith('?url') })),
  );
}

const RUNTIMES = ['onnxruntime-web', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-core'];

describe('docs/architecture.md', () => {
  it('names folders that exist', () => {
    const named = [...new Set([...DOC.matchAll(/`((?:src|cli|tools|scripts|tests|docs)\/[\w./-]*)`/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((p) => !existsSync(resolve(ROOT, p)) && !existsSync(resolve(ROOT, 'src', p)))).toEqual([]);
  });

  it('src/core imports no other layer of src/ and no runtime', () => {
    const bad = importsOf('src/core').filter((i) => ['ml', 'store', 'components', 'workers', 'viz', 'packs', 'react', ...RUNTIMES].includes(i.target));
    expect(bad).toEqual([]);
  });

  it('src/ml imports only src/core (and the runtimes it owns)', () => {
    expect(importsOf('src/ml').filter((i) => ['store', 'components', 'workers', 'viz', 'packs', 'react'].includes(i.target))).toEqual([]);
  });

  it('only src/ml runs ONNX Runtime and TensorFlow.js (workers only name their WASM files)', () => {
    const outside = ['src/core', 'src/store', 'src/components', 'src/viz', 'src/workers', 'cli']
      .flatMap(importsOf)
      .filter((i) => RUNTIMES.includes(i.target) && !i.asset && i.file !== 'src/workers/ortWasmAsset.ts');
    expect(outside).toEqual([]);
  });

  it('src/store never imports src/components; cli/ never imports the page (store, components, viz)', () => {
    expect(importsOf('src/store').filter((i) => i.target === 'components')).toEqual([]);
    expect(importsOf('cli').filter((i) => ['store', 'components', 'viz', 'react'].includes(i.target))).toEqual([]);
  });

  it('would see an import across the rules', () => {
    expect(target(resolve(ROOT, 'src/core/knn/knor.ts'), '../../store/uiStore.ts')).toBe('store');
    expect(target(resolve(ROOT, 'cli/analyze.ts'), '../src/ml/ort.ts')).toBe('ml');
    expect(target(resolve(ROOT, 'src/ml/ort.ts'), 'onnxruntime-web')).toBe('onnxruntime-web');
    expect(specifiers("import type { A } from './a.ts';\nexport { b } from '../b.ts';\nconst c = await import('./c.ts');")).toEqual([
      './a.ts',
      '../b.ts',
      './c.ts',
    ]);
  });
});
