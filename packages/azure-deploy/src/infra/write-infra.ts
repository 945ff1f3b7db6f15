import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@kidsstories/kidsstories-tools/bundle';
import { renderArmTemplate } from './arm-template.js';
import { kidsStoriesEnvironment } from './kidsstories-environment.js';

/** File name of the rendered template. */
export const ARM_TEMPLATE_FILE = 'azuredeploy.json';

/**
 * Writes the environment's ARM template (`azuredeploy.json`) into `dir`, unless the same file is already there.
 * Deploy it with `az deployment group create --resource-group RG --template-file azuredeploy.json --parameters …`.
 *
 * @returns the path and whether it was `written` (or, with `dryRun`, would be) or `unchanged`.
 */
export async function writeInfraTemplate(
  dir: string,
  options: { dryRun?: boolean } = {},
): Promise<{ path: string; outcome: 'written' | 'unchanged' }> {
  const path = join(dir, ARM_TEMPLATE_FILE);
  const text = renderArmTemplate(kidsStoriesEnvironment());
  if ((await readFile(path, 'utf8').catch(() => undefined)) === text) return { path, outcome: 'unchanged' };
  if (!options.dryRun) await writeFileAtomic(path, text);
  return { path, outcome: 'written' };
}
