/**
 * Type-checks the TypeScript examples in the documentation (house style rule 20: examples compile).
 *
 * Every fenced ```ts (or ```typescript) block of `README.md`, `docs/**\/*.md` and `packages/*\/README.md` is written
 * to a temporary directory as its own ES module (`.mts`, so top-level `await` is allowed) and all of them are
 * type-checked in one TypeScript program with the root strict options of `tsconfig.base.json`. Imports of the
 * workspace packages resolve to their source through the `@kidsstories/source` export condition
 * (docs/decisions/0002-source-export-condition.md), so no build is needed.
 *
 * A block whose info string contains the word `ignore` (```ts ignore) is skipped: use it for fragments that are
 * not meant to compile on their own. A block marked `run` (```ts run) must also run to completion on its own:
 * {@link runDocSnippet} executes it, and the test does so for every such block.
 *
 * Run it with `npx tsx scripts/check-doc-snippets.ts`; `apps/reference-mesh/test/doc-snippets.test.ts` runs it
 * as part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** One fenced TypeScript block of a markdown file. */
export interface DocSnippet {
  /** Markdown file holding the block, relative to the repository root, with `/` separators. */
  file: string;
  /** 1-based line of the markdown file holding the first line of code (the line after the opening fence). */
  line: number;
  /** The code, with the fence's indentation removed. */
  code: string;
  /** The info string contains `run`: the snippet must also run to completion on its own. */
  run: boolean;
}

/** One problem found in a snippet. */
export interface DocSnippetProblem {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the markdown file where the problem is. */
  line: number;
  /** TypeScript's message, flattened to one line. */
  message: string;
}

/** Options for {@link checkDocSnippets}. */
export interface CheckDocSnippetsOptions {
  /** Repository root: holds `tsconfig.base.json` and `node_modules`. Default: the parent of `scripts/`. */
  rootDir?: string;
  /**
   * Markdown files to check, absolute or relative to `rootDir`. Default: `README.md`, `docs/**\/*.md` and
   * `packages/*\/README.md` under `rootDir` (see {@link findDocFiles}).
   */
  markdownFiles?: readonly string[];
}

/** Result of {@link checkDocSnippets}. */
export interface CheckDocSnippetsResult {
  /** Every snippet checked (blocks marked `ignore` are not included). */
  snippets: DocSnippet[];
  /** Problems, ordered by file and line; empty when every snippet compiles. */
  problems: DocSnippetProblem[];
}

const TS_LANGUAGES = new Set(['ts', 'typescript', 'mts']);
const FENCE_OPEN = /^( {0,3}|\s*)(`{3,}|~{3,})(.*)$/;

const DEFAULT_ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Extracts the fenced TypeScript blocks of one markdown document (CommonMark fences of backticks or tildes,
 * including indented ones inside list items). Blocks whose info string contains `ignore` are left out.
 *
 * @param markdown The document's text.
 * @param file Name recorded on each snippet (a path relative to the repository root).
 * @example
 * ```ts ignore
 * extractSnippets('```ts\nconst a = 1;\n```\n', 'README.md'); // [{ file: 'README.md', line: 2, code: 'const a = 1;\n', run: false }]
 * ```
 */
export function extractSnippets(markdown: string, file: string): DocSnippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: DocSnippet[] = [];
  let index = 0;
  while (index < lines.length) {
    const open = FENCE_OPEN.exec(lines[index] ?? '');
    if (!open) {
      index += 1;
      continue;
    }
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? '```';
    const info = (open[3] ?? '').trim();
    // A backtick fence's info string may not contain backticks (CommonMark 4.5): that is inline code.
    if (fence.startsWith('`') && info.includes('`')) {
      index += 1;
      continue;
    }
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !close.test(lines[end] ?? '')) {
      body.push(removeIndent(lines[end] ?? '', indent));
      end += 1;
    }
    const words = info.split(/[\s,{}]+/).filter((word) => word !== '');
    const language = (words[0] ?? '').toLowerCase();
    if (TS_LANGUAGES.has(language) && !words.includes('ignore')) {
      snippets.push({ file, line: index + 2, code: `${body.join('\n')}\n`, run: words.includes('run') });
    }
    index = end + 1;
  }
  return snippets;
}

function removeIndent(line: string, indent: number): string {
  let removed = 0;
  while (removed < indent && line[removed] === ' ') removed += 1;
  return line.slice(removed);
}

/**
 * Lists the documentation checked by default: `README.md`, every `docs/**\/*.md` and `packages/*\/README.md`,
 * as absolute paths in a stable order. Missing files and folders are skipped.
 */
export async function findDocFiles(rootDir: string): Promise<string[]> {
  const files: string[] = [];
  if (await exists(join(rootDir, 'README.md'))) files.push(join(rootDir, 'README.md'));
  files.push(...(await walkMarkdown(join(rootDir, 'docs'))));
  const packages = await readdir(join(rootDir, 'packages'), { withFileTypes: true }).catch(() => []);
  for (const entry of packages.sort((a, b) => a.name.localeCompare(b.name))) {
    const readme = join(rootDir, 'packages', entry.name, 'README.md');
    if (entry.isDirectory() && (await exists(readme))) files.push(readme);
  }
  return files;
}

async function walkMarkdown(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') files.push(...(await walkMarkdown(path)));
    else if (entry.isFile() && entry.name.endsWith('.md')) files.push(path);
  }
  return files;
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/**
 * Reads the root compiler options (`tsconfig.base.json`) and adapts them to checking snippets: no output, and
 * types from the repository's `node_modules/@types`.
 */
function snippetCompilerOptions(rootDir: string): ts.CompilerOptions {
  const configPath = join(rootDir, 'tsconfig.base.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(`cannot read ${configPath}: ${flatten(read.error.messageText)}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, rootDir, undefined, configPath);
  const fatal = parsed.errors.filter((error) => error.code !== 18003); // 18003: no inputs, expected here
  if (fatal[0]) throw new Error(`invalid ${configPath}: ${flatten(fatal[0].messageText)}`);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    incremental: false,
    typeRoots: [join(rootDir, 'node_modules', '@types')],
  };
}

function flatten(message: string | ts.DiagnosticMessageChain): string {
  return ts.flattenDiagnosticMessageText(message, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Type-checks every TypeScript snippet of the documentation in one program.
 *
 * Each snippet becomes its own `.mts` module in a fresh temporary directory whose `node_modules` links to the
 * repository's, so `@kidsstories/*` imports resolve through the `@kidsstories/source` condition to `src/`. Only
 * problems inside snippets are reported (the packages' own errors are the type-check task's), mapped back to
 * the markdown line. The temporary directory is removed afterwards.
 *
 * @throws Error when `tsconfig.base.json` cannot be read.
 */
export async function checkDocSnippets(
  options: CheckDocSnippetsOptions = {},
): Promise<CheckDocSnippetsResult> {
  const rootDir = resolve(options.rootDir ?? DEFAULT_ROOT_DIR);
  const markdownFiles = options.markdownFiles
    ? options.markdownFiles.map((file) => resolve(rootDir, file))
    : await findDocFiles(rootDir);
  const snippets: DocSnippet[] = [];
  for (const path of markdownFiles) {
    snippets.push(...extractSnippets(await readFile(path, 'utf8'), displayPath(rootDir, path)));
  }
  if (snippets.length === 0) return { snippets, problems: [] };

  const workDir = await mkdtemp(join(tmpdir(), 'doc-snippets-'));
  try {
    await symlink(join(rootDir, 'node_modules'), join(workDir, 'node_modules'), 'dir');
    const bySourcePath = new Map<string, DocSnippet>();
    await Promise.all(
      snippets.map(async (snippet, index) => {
        const name = `${String(index).padStart(3, '0')}-${snippet.file.replace(/[^A-Za-z0-9]+/g, '-')}-${snippet.line}.mts`;
        const path = join(workDir, name);
        bySourcePath.set(path, snippet);
        await writeFile(path, snippet.code);
      }),
    );
    const program = ts.createProgram({
      rootNames: [...bySourcePath.keys()],
      options: snippetCompilerOptions(rootDir),
    });
    const problems: DocSnippetProblem[] = program.getOptionsDiagnostics().map((diagnostic) => ({
      file: 'tsconfig.base.json',
      line: 1,
      message: flatten(diagnostic.messageText),
    }));
    for (const [path, snippet] of bySourcePath) {
      const sourceFile = program.getSourceFile(path);
      if (!sourceFile) {
        problems.push({ file: snippet.file, line: snippet.line, message: 'snippet was not compiled' });
        continue;
      }
      const diagnostics = [
        ...program.getSyntacticDiagnostics(sourceFile),
        ...program.getSemanticDiagnostics(sourceFile),
      ];
      for (const diagnostic of diagnostics) {
        const offset =
          diagnostic.start === undefined
            ? 0
            : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
        problems.push({
          file: snippet.file,
          line: snippet.line + offset,
          message: `TS${diagnostic.code}: ${flatten(diagnostic.messageText)}`,
        });
      }
    }
    problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    return { snippets, problems };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function displayPath(rootDir: string, path: string): string {
  const shown = relative(rootDir, path);
  return (shown.startsWith('..') ? path : shown).split(sep).join('/');
}

/** Formats problems one per line as `<markdown file>:<line>: <message>`. */
export function formatProblems(problems: readonly DocSnippetProblem[]): string {
  return problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`).join('\n');
}

/** Options for {@link runDocSnippet}. */
export interface RunDocSnippetOptions {
  /** Repository root, as for {@link checkDocSnippets}. Default: the parent of `scripts/`. */
  rootDir?: string;
  /** The snippet is killed (and fails) after this long, in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** How a snippet run by {@link runDocSnippet} ended. */
export interface DocSnippetRun {
  /** Exit code; `null` when the process was killed (on timeout). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one snippet as an ES module in a child `node` process (through tsx, with the `@kidsstories/source`
 * condition, so the workspace packages run from source) and resolves how it ended. The snippet must finish on
 * its own: close every server and client it starts.
 */
export async function runDocSnippet(
  snippet: DocSnippet,
  options: RunDocSnippetOptions = {},
): Promise<DocSnippetRun> {
  const rootDir = resolve(options.rootDir ?? DEFAULT_ROOT_DIR);
  const workDir = await mkdtemp(join(tmpdir(), 'doc-snippet-run-'));
  try {
    await symlink(join(rootDir, 'node_modules'), join(workDir, 'node_modules'), 'dir');
    const path = join(workDir, 'snippet.mts');
    await writeFile(path, snippet.code);
    const child = spawn(process.execPath, ['--conditions=@kidsstories/source', '--import', 'tsx', path], {
      cwd: workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    const exitCode = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code) => done(code));
    }).finally(() => clearTimeout(timer));
    return { exitCode, stdout, stderr };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { snippets, problems } = await checkDocSnippets();
  if (problems.length > 0) {
    console.error(formatProblems(problems));
    console.error(`${problems.length} problem(s) in ${snippets.length} documentation snippet(s)`);
    process.exitCode = 1;
    return;
  }
  console.log(`${snippets.length} documentation snippet(s) type-check`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
