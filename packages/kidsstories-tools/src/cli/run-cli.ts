import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type AnyToolDefinition,
  createJsonLogger,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  createMeshNode,
  type Logger,
  MeshError,
} from '@kidsstories/mesh-core';
import { closestNames, createLocalToolHost, serveStdio } from '@kidsstories/mesh-core/host';
import type { LogLevel } from '@kidsstories/mesh-core/observability';
import { createProviders } from '../providers/create-providers.js';
import { KIDSSTORIES_PRICE_TABLE } from '../providers/kidsstories-price-table.js';
import type { KidsStoriesProviders } from '../providers/provider-types.js';
import { createToolSets, type ToolSets } from '../tools/create-tool-sets.js';
import { type CliCommand, parseCliArgs, SERVER_NAMES, type ServerName, USAGE } from './parse-cli-args.js';
import type { ArgsReader } from './read-call-args.js';
import { type PrintedContent, writeMediaOutputs } from './write-media-outputs.js';

/** Exit codes of the CLI. */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the CLI reads and writes; injectable so it can be run in-process by tests. */
export interface CliOptions {
  /** Writes to standard output (results, JSON). Default `process.stdout`. */
  stdout?: (text: string) => void;
  /** Writes to standard error (messages, logs). Default `process.stderr`. */
  stderr?: (text: string) => void;
  /** Environment (provider selection, cloud settings, `LOG_LEVEL`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Builds the providers. Default {@link createProviders} over `env`. */
  createProviders?: (env: Readonly<Record<string, string | undefined>>) => KidsStoriesProviders;
  /** Builds the tool sets. Default {@link createToolSets}. */
  createToolSets?: (providers: KidsStoriesProviders) => ToolSets;
  /** Aborts a running `call` and stops a running `serve`. Default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** Where `--args @file`, `--args -` and `@path` pictures are read. Default: the file system and stdin. */
  argsReader?: ArgsReader;
}

/**
 * Runs the `kidsstories-tools` command line and resolves its exit code: `call` runs one tool in-process with
 * in-memory ports and prints its result as JSON (media written to `--out`); `serve` serves one server's tools
 * over MCP stdio or Streamable HTTP until the signal fires (or stdin closes, for stdio); `list` lists the tools.
 *
 * Usage and configuration errors (unknown tool or flag, bad JSON, invalid arguments, a cloud provider selected
 * but not configured) exit 2 with a message naming the problem; a failing tool exits 1.
 *
 * @example
 * ```ts
 * const code = await runCli(['call', 'embed_content', '--args', '{"texts":["hello"]}']);
 * ```
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const env = options.env ?? process.env;
  const signal = options.signal ?? shutdownSignal();
  const logger = createJsonLogger({ level: logLevelOf(env.LOG_LEVEL), write: (line) => stderr(`${line}\n`) });
  let command: CliCommand;
  try {
    command = parseCliArgs(argv, options.argsReader);
  } catch (error) {
    return fail(error, stderr, true);
  }
  if (command.command === 'help') {
    stdout(`${USAGE}\n`);
    return EXIT_CODES.ok;
  }
  if (command.command === 'version') {
    stdout(`${packageVersion()}\n`);
    return EXIT_CODES.ok;
  }
  let toolSets: ToolSets;
  try {
    const providers = (options.createProviders ?? ((variables) => createProviders({ env: variables })))(env);
    toolSets = (options.createToolSets ?? createToolSets)(providers);
  } catch (error) {
    return fail(error, stderr, false);
  }
  try {
    if (command.command === 'list') {
      for (const server of SERVER_NAMES) {
        stdout(`${server}:\n`);
        for (const tool of toolSets[server])
          stdout(`  ${tool.name.padEnd(24)} ${firstLine(tool.description)}\n`);
      }
      return EXIT_CODES.ok;
    }
    if (command.command === 'call')
      return await runCall(command, toolSets, { stdout, stderr, logger, signal });
    return await runServe(command, toolSets, { stderr, logger, signal });
  } catch (error) {
    return fail(error, stderr, false);
  }
}

async function runCall(
  command: Extract<CliCommand, { command: 'call' }>,
  toolSets: ToolSets,
  io: { stdout: (text: string) => void; stderr: (text: string) => void; logger: Logger; signal: AbortSignal },
): Promise<number> {
  const tools = SERVER_NAMES.flatMap((server) => toolSets[server]);
  const names = tools.map((tool) => tool.name);
  if (!names.includes(command.tool)) {
    const suggestions = closestNames(command.tool, names);
    throw new MeshError(
      `unknown tool "${command.tool}"${suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : ''} ` +
        '(kidsstories-tools list shows every tool)',
      'not_found',
      { details: { field: 'tool', suggestions, usage: true } },
    );
  }
  const ports = {
    state: createMemoryStateStore(),
    lock: createMemoryLock({ instanceId: 'kidsstories-cli' }),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
  };
  const host = createLocalToolHost({ id: 'kidsstories-cli', tools, ports, logger: io.logger });
  try {
    const result = await host.callTool(command.tool, command.args, {
      signal: io.signal,
      correlationId: randomUUID(),
      hop: 0,
      ...(command.timeoutMs === undefined ? {} : { deadline: Date.now() + command.timeoutMs }),
      onProgress: (progress) =>
        io.logger.info('progress', {
          progress: progress.progress,
          total: progress.total,
          message: progress.message,
        }),
    });
    const written = await writeMediaOutputs(result, command.tool, command.outDir);
    const { files } = written;
    // The structured output is also sent as a JSON text block for models; print it once.
    const content =
      result.structuredContent === undefined
        ? written.content
        : written.content.filter((block) => !isJsonText(block));
    const spent = await ports.ledger.status('global');
    io.stdout(
      `${JSON.stringify(
        {
          tool: command.tool,
          structuredContent: result.structuredContent,
          content,
          files,
          costUsd: spent.spentUsd,
        },
        null,
        2,
      )}\n`,
    );
    return EXIT_CODES.ok;
  } finally {
    await closePorts(ports);
  }
}

async function runServe(
  command: Extract<CliCommand, { command: 'serve' }>,
  toolSets: ToolSets,
  io: { stderr: (text: string) => void; logger: Logger; signal: AbortSignal },
): Promise<number> {
  const id = `kidsstories-${command.server}`;
  const tools: readonly AnyToolDefinition[] = toolSets[command.server];
  const stopped = new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  if (command.transport.kind === 'stdio') {
    const ports = {
      state: createMemoryStateStore(),
      lock: createMemoryLock({ instanceId: id }),
      events: createMemoryEventBus(),
      ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
    };
    const host = createLocalToolHost({ id, tools, ports, logger: io.logger });
    const serving = serveStdio(host, { logger: io.logger, serverInfo: serverInfoOf(command.server) });
    io.logger.info('serving MCP over stdio', {
      server: command.server,
      tools: tools.map((tool) => tool.name),
    });
    // The client ends the session by closing our stdin.
    const stdinClosed = new Promise<void>((resolve) => process.stdin.once('end', () => resolve()));
    await Promise.race([stopped, stdinClosed]);
    await serving.close();
    await closePorts(ports);
    return EXIT_CODES.ok;
  }
  const node = createMeshNode({
    id,
    tools,
    mesh: false,
    logger: io.logger,
    mcp: {
      port: command.transport.port,
      hostname: command.transport.hostname,
      serverInfo: serverInfoOf(command.server),
    },
  });
  await node.start();
  io.stderr(`kidsstories-tools: ${command.server} tools on ${node.mcpUrl}\n`);
  await stopped;
  await node.close();
  return EXIT_CODES.ok;
}

function serverInfoOf(server: ServerName): { name: string; version: string } {
  return { name: `kidsstories-${server}`, version: packageVersion() };
}

/** Prints an error and returns its exit code: 2 for usage and configuration errors, 1 for failures. */
function fail(error: unknown, stderr: (text: string) => void, parsing: boolean): number {
  const meshError = MeshError.from(error);
  const isUsage =
    parsing ||
    meshError.details.usage === true ||
    meshError.code === 'invalid_argument' ||
    (meshError.code === 'failed_precondition' && meshError.details.field === 'KIDSSTORIES_PROVIDERS');
  const field = typeof meshError.details.field === 'string' ? ` (${meshError.details.field})` : '';
  stderr(`kidsstories-tools: ${meshError.code}${field}: ${meshError.message}\n`);
  if (isUsage && parsing) stderr(`\n${USAGE}\n`);
  return isUsage ? EXIT_CODES.usage : EXIT_CODES.failed;
}

async function closePorts(ports: Record<string, { close(): Promise<void> }>): Promise<void> {
  await Promise.allSettled(Object.values(ports).map((port) => port.close()));
}

function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort(new MeshError('interrupted', 'canceled'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

function logLevelOf(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'warn';
}

function isJsonText(block: PrintedContent): boolean {
  if (block.type !== 'text' || !/^\s*[{[]/.test(block.text)) return false;
  try {
    JSON.parse(block.text);
    return true;
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

/** The package version, from package.json beside `src/` or `dist/`. */
function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (!existsSync(path)) continue;
    const json = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (json.name === '@kidsstories/kidsstories-tools' && json.version) return json.version;
  }
  return '0.0.0';
}
