/** The app's version, from the repository's package.json (the CLI runs from the repository). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
