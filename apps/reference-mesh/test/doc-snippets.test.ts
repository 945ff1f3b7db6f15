// House style rule 20: examples compile. Every ```ts block of README.md, docs/**/*.md and packages/*/README.md
// is type-checked in one program by scripts/check-doc-snippets.ts; this file makes `npm test` run it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckDocSnippetsResult,
  checkDocSnippets,
  extractSnippets,
  formatProblems,
  runDocSnippet,
} from '../../../scripts/check-doc-snippets.js';

describe('documentation snippets', () => {
  let checked: CheckDocSnippetsResult;
  beforeAll(async () => {
    checked = await checkDocSnippets();
  }, 60_000);

  it('type-check, every one of them', () => {
    const { snippets } = checked;
    // The documents that must carry checked examples; an emptied or renamed one would pass silently otherwise.
    const files = new Set(snippets.map((snippet) => snippet.file));
    expect(files).toContain('packages/mesh-core/README.md');
    expect(files).toContain('docs/get-started.md');
    expect(checked.problems, `broken documentation snippets:\n${formatProblems(checked.problems)}`).toEqual(
      [],
    );
  });

  it('marked `run` run to completion, the mesh-core README example among them', async () => {
    const runnable = checked.snippets.filter((snippet) => snippet.run);
    expect(runnable.map((snippet) => snippet.file)).toContain('packages/mesh-core/README.md');
    const runs = await Promise.all(runnable.map((snippet) => runDocSnippet(snippet, { timeoutMs: 40_000 })));
    runs.forEach((run, index) => {
      const at = `${runnable[index]?.file}:${runnable[index]?.line}`;
      expect(run.exitCode, `${at} exited with ${run.exitCode}:\n${run.stderr}`).toBe(0);
    });
    const readme = runs[runnable.findIndex((snippet) => snippet.file === 'packages/mesh-core/README.md')];
    // The README promises this output: the gateway federated the node's tool and the call went through it.
    expect(readme?.stdout).toContain("'greet'");
    expect(readme?.stdout).toContain("{ greeting: 'Hello, Ada!' }");
  }, 60_000);
});

describe('checkDocSnippets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doc-snippets-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a broken snippet at its markdown line, resolving workspace packages from source', async () => {
    const markdown = [
      '# Broken on purpose',
      '',
      '```ts',
      "import { MeshError } from '@kidsstories/mesh-core';",
      "const error = new MeshError('no such tool', 'not_found');",
      'const code: number = error.code;',
      '```',
      '',
      '```ts ignore',
      'const skipped: number = "not checked";',
      '```',
      '',
      '```ts',
      "import { MeshError } from '@kidsstories/mesh-core';",
      "export const fine: string = new MeshError('ok', 'internal').code;",
      'await Promise.resolve(fine);',
      '```',
      '',
    ].join('\n');
    const path = join(dir, 'broken.md');
    await writeFile(path, markdown);

    const { snippets, problems } = await checkDocSnippets({ markdownFiles: [path] });

    expect(snippets).toHaveLength(2);
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem?.file).toMatch(/broken\.md$/);
    expect(problem?.line).toBe(6);
    expect(problem?.message).toMatch(/^TS2322: Type '.*' is not assignable to type 'number'/);
    expect(formatProblems(problems)).toMatch(/broken\.md:6: TS2322: /);
  }, 60_000);
});

describe('extractSnippets', () => {
  it('keeps ts and typescript blocks with the markdown line of their first code line', () => {
    const markdown = [
      'intro', // 1
      '```ts', // 2
      'const a = 1;', // 3
      '```', // 4
      '```sh', // 5
      'npm ci', // 6
      '```', // 7
      '~~~typescript title="x.ts"', // 8
      'const b = 2;', // 9
      '~~~', // 10
    ].join('\n');
    expect(extractSnippets(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 3, code: 'const a = 1;\n', run: false },
      { file: 'x.md', line: 9, code: 'const b = 2;\n', run: false },
    ]);
  });

  it('skips blocks whose info string contains ignore and flags those marked run', () => {
    const markdown = ['```ts ignore', 'broken(', '```', '```ts run', 'ok();', '```'].join('\n');
    expect(extractSnippets(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 5, code: 'ok();\n', run: true },
    ]);
  });

  it('removes the indentation of fences inside list items and honours longer fences', () => {
    const markdown = [
      '1. Step one', // 1
      '   ````ts', // 2
      '   const c = 3;', // 3
      '   ```', // 4: shorter than the opening fence, so still code
      '     nested();', // 5
      '   ````', // 6
    ].join('\n');
    expect(extractSnippets(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 3, code: 'const c = 3;\n```\n  nested();\n', run: false },
    ]);
  });

  it('does not treat inline triple backticks as a fence', () => {
    expect(extractSnippets('```ts``` is inline code\n', 'x.md')).toEqual([]);
  });
});
