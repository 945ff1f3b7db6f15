import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of `relative` inside this package, found by walking up from this module to the folder holding
 * the package's `package.json` (the module runs from `src/…` in the workspace and from `dist/` once published).
 */
export function packageFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, relative))) return join(dir, relative);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${relative} is missing from @kidsstories/azure-deploy`);
    dir = parent;
  }
}
