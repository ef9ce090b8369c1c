/**
 * The Python that tests of tools/ run: `TOOLS_PYTHON`, else the project's `.venv-tools` (Debian's
 * python3-torch seen through --system-site-packages, plus tools/requirements-tools.txt; .ci/run
 * makes it), else Debian's /usr/bin/python3. `missingModules` says which imports it lacks, so a
 * test can say plainly why it is skipped instead of failing on an import.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const VENV_PYTHON = resolve(import.meta.dirname, '../../.venv-tools/bin/python');

export const TOOLS_PYTHON = process.env.TOOLS_PYTHON ?? (existsSync(VENV_PYTHON) ? VENV_PYTHON : '/usr/bin/python3');

export function missingModules(...modules: readonly string[]): string[] {
  return modules.filter((name) => spawnSync(TOOLS_PYTHON, ['-c', `import ${name}`], { stdio: 'ignore' }).status !== 0);
}

/** Why a test that needs `modules` cannot run here, or null when it can. */
export function whyNoToolsPython(...modules: readonly string[]): string | null {
  const missing = missingModules(...modules);
  if (missing.length === 0) return null;
  return `${TOOLS_PYTHON} cannot import ${missing.join(', ')}. Make the tools venv: apt-get install -y python3-torch && /usr/bin/python3 -m venv --system-site-packages .venv-tools && .venv-tools/bin/pip install -r tools/requirements-tools.txt (.ci/run does this).`;
}
