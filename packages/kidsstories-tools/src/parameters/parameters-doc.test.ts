import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PARAMETER_NAMES } from './generation-parameters.js';
import { renderParametersDoc } from './parameters-doc.js';

describe('docs/parameters.md', () => {
  it('is in sync with the parameter table (regenerate: npm run generate:parameters-doc -w @kidsstories/kidsstories-tools)', async () => {
    const committed = await readFile(new URL('../../../../docs/parameters.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderParametersDoc());
  });

  it('lists every parameter once', () => {
    const doc = renderParametersDoc();
    for (const name of PARAMETER_NAMES) expect(doc.split(`| \`${name}\` |`)).toHaveLength(2);
  });
});
