/**
 * For the hygiene tests that read the project's own source: the .ts/.tsx files under a folder,
 * and the lines a rule flags in them, each as "path: line" so a failure names where to look.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** .ts and .tsx files under `dir`; in sub-folders too when `recursive`. */
export function sourceFiles(dir: string, recursive: boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return recursive ? sourceFiles(path, true) : [];
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every line `flag` picks out of `files`, as "path relative to root: trimmed line". */
export function flaggedLines(root: string, files: readonly string[], flag: (source: string) => string[]): string[] {
  return files.flatMap((path) => flag(readFileSync(path, 'utf8')).map((line) => `${relative(root, path)}: ${line.trim()}`));
}
