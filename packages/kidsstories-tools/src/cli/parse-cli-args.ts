import { parseArgs } from 'node:util';
import { MeshError } from '@kidsstories/mesh-core';
import { SERVER_NAMES, type ServerName } from '../tools/server-name.js';
import { type ArgsReader, FILE_SYSTEM_READER, readCallArgs } from './read-call-args.js';

// The server names belong to the tool set (the library); the CLI re-exports them for its own users.
export { SERVER_NAMES, type ServerName } from '../tools/server-name.js';

/** A parsed command line. */
export type CliCommand =
  | { command: 'help'; topic?: string }
  | { command: 'version' }
  | { command: 'list' }
  | {
      command: 'call';
      /** Tool name. */
      tool: string;
      /** Arguments, from `--args` (inline JSON, `@file.json` or `-` for stdin; see `readCallArgs`). Default `{}`. */
      args: Record<string, unknown>;
      /** Directory media outputs are written to, when given. */
      outDir?: string;
      /** Deadline of the call, in milliseconds. Default: the tool's own. */
      timeoutMs?: number;
    }
  | {
      command: 'serve';
      server: ServerName;
      transport: { kind: 'stdio' } | { kind: 'http'; port: number; hostname: string };
    };

/** Usage text printed by `help` and after a usage error. */
export const USAGE = `Usage:
  kidsstories-tools call <tool> [--args '<json>' | --args @FILE.json | --args -] [--out DIR] [--timeout-ms N]
      Runs one tool in this process (in-memory state, cost ledger, lock and events) and prints its result as
      JSON. --args takes inline JSON, @FILE.json (a file) or - (standard input); a picture field ("png") may
      be "@PATH.png" to read that file. Media (images, audio, video) are written to DIR when --out is given.
  kidsstories-tools serve <text|media|video> [--stdio | --port N] [--host ADDRESS]
      Serves one server's tools as a standalone MCP server: over stdio (default), or over Streamable HTTP on
      http://ADDRESS:N/mcp (ADDRESS defaults to 127.0.0.1; --port 0 picks a free port).
  kidsstories-tools list
      Lists every tool by server.
  kidsstories-tools help | --help | --version

Providers are offline by default; set KIDSSTORIES_PROVIDERS=cloud (and the Azure OpenAI / OpenAI / Runware
variables, see the README) to use the cloud ones.

Exit codes: 0 success, 1 the tool or server failed, 2 a usage error (unknown tool or flag, bad JSON, invalid
arguments).`;

/**
 * Parses the command line (without `node` and the script path).
 *
 * @throws MeshError `invalid_argument` with `details.field` naming the flag for unknown commands or flags,
 *   missing values, JSON that does not parse or is not an object, a file that cannot be read, or an
 *   out-of-range port.
 * @example
 * ```ts
 * parseCliArgs(['call', 'generate_story', '--args', '{"page_count":4}', '--out', 'out']);
 * ```
 */
export function parseCliArgs(argv: readonly string[], reader: ArgsReader = FILE_SYSTEM_READER): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return rest[0] === undefined ? { command: 'help' } : { command: 'help', topic: rest[0] };
  }
  if (command === '--version' || command === '-v' || command === 'version') return { command: 'version' };
  if (command === 'list') {
    parse(rest, {}, 0);
    return { command: 'list' };
  }
  if (command === 'call') {
    const { values, positionals } = parse(
      rest,
      { args: { type: 'string' }, out: { type: 'string' }, 'timeout-ms': { type: 'string' } },
      1,
    );
    const tool = positionals[0];
    if (!tool) usage('call needs a tool name: kidsstories-tools call <tool> --args \'{"…":…}\'', 'tool');
    const call: Extract<CliCommand, { command: 'call' }> = {
      command: 'call',
      tool,
      args: readCallArgs(typeof values.args === 'string' ? values.args : undefined, reader),
    };
    if (typeof values.out === 'string') {
      if (values.out.trim() === '') usage('--out needs a directory', 'out');
      call.outDir = values.out;
    }
    if (typeof values['timeout-ms'] === 'string') {
      call.timeoutMs = parseInteger(values['timeout-ms'], 'timeout-ms', 1, 86_400_000);
    }
    return call;
  }
  if (command === 'serve') {
    const { values, positionals } = parse(
      rest,
      { stdio: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' } },
      1,
    );
    const server = positionals[0];
    if (!server || !(SERVER_NAMES as readonly string[]).includes(server)) {
      usage(`serve needs one of ${SERVER_NAMES.join(', ')}${server ? `, got "${server}"` : ''}`, 'server');
    }
    if (values.stdio && values.port !== undefined) usage('give either --stdio or --port, not both', 'port');
    if (values.port === undefined) {
      if (values.host !== undefined) usage('--host needs --port', 'host');
      return { command: 'serve', server: server as ServerName, transport: { kind: 'stdio' } };
    }
    return {
      command: 'serve',
      server: server as ServerName,
      transport: {
        kind: 'http',
        port: parseInteger(values.port, 'port', 0, 65_535),
        hostname: typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1',
      },
    };
  }
  return usage(`unknown command "${command}"; expected call, serve, list or help`, 'command');
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse(
  args: readonly string[],
  options: OptionSpec,
  maxPositionals: number,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    // node:util reports "Unknown option '--x'" and "Option '--out <value>' argument missing".
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(--?[\w-]+)/.exec(message)?.[1];
    return usage(message.replace(/\. To specify a positional.*$/s, ''), flag?.replace(/^-+/, '') ?? 'flags');
  }
  if (parsed.positionals.length > maxPositionals) {
    usage(`unexpected argument "${parsed.positionals[maxPositionals]}"`, 'arguments');
  }
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

function parseInteger(text: string | boolean | undefined, flag: string, min: number, max: number): number {
  const value = typeof text === 'string' && /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    usage(`--${flag} must be an integer from ${min} to ${max}, got "${String(text)}"`, flag);
  }
  return value;
}

function usage(message: string, field: string): never {
  throw new MeshError(message, 'invalid_argument', { details: { field, usage: true } });
}
