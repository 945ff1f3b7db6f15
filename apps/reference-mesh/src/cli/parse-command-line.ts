import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BlobConnection } from '@kidsstories/azure-deploy';
import type { ServerName } from '@kidsstories/kidsstories-tools';
import {
  type GenerationParametersInput,
  generationParametersInputSchema,
} from '@kidsstories/kidsstories-tools';
import { AGE_BANDS, type AgeBand, isBundleDate } from '@kidsstories/kidsstories-tools/bundle';
import { MeshError, peersFromMcpServersConfig } from '@kidsstories/mesh-core';
import { Cron } from 'croner';
import type { MeshRole } from '../mesh-roles.js';
import { blobSyncConnectionOf } from './blob-sync.js';
import { UsageError } from './usage-error.js';

/** Bad command-line input: the CLI prints the message and exits 2. */
export { UsageError } from './usage-error.js';

export const USAGE = `usage:
  kidsstories-mesh [run] [--date YYYY-MM-DD] [--age-band 3-5|6-8|9-12|all] [--pages 1-24] [--clips 0-24]
                   [--params FILE] [--out DIR] [--json] [--no-site] [--redis URL [--instance-id ID]] [--distributed]
      makes the story of the day (default today, UTC, ages 6-8), builds the story site for it (DIR/site) and shows
      where to read it (on a terminal it serves the site until Ctrl+C)
  kidsstories-mesh serve [--port N] [--host ADDRESS] [--out DIR] [--redis URL [--instance-id ID]]
                   [--schedule [CRON]] [--distributed] [--blob-container NAME]
      keeps the mesh up: any MCP client can call orchestrate on the gateway; --schedule makes every age band's
      story at each tick (default "0 0 * * *", UTC)
  kidsstories-mesh serve --role gateway|text|media|video [--port N] [--mesh-port N] [--host ADDRESS]
                   [--redis URL] [--peers text=URL,media=URL,video=URL] [--media-url URL] [--out DIR]
      runs one server, as a container does (--peers or MESH_PEERS for the gateway, --media-url or
      MESH_MEDIA_URL for the text server; --allowed-hosts or MCP_ALLOWED_HOSTS: names clients may use in Host)
  --blob-container NAME (or KIDSSTORIES_BLOB_CONTAINER) makes serve and the gateway upload each finished bundle to
  that Blob container (on bundle.complete), connected by AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_URL
  (Entra ID) or AZURE_STORAGE_SAS_URL.
  --redis-prefix P prefixes every Redis key and queue (default kidsstories:).
  --breaker-open-ms N (serve, or serve --role gateway) is how long the gateway's open breaker for a server refuses
  calls before it lets a probe through (default 60000).
  --mcp-servers FILE (serve, or serve --role gateway) adds every server of a desktop client's mcpServers file
  (Claude Desktop, Cursor, VS Code) as a peer of the gateway; one that fails to start is reported and skipped,
  or stops the start with --fail-closed.
  --distributed runs the four servers as four processes sharing Redis (--redis, else REDIS_URL, else
  redis://127.0.0.1:6379). MESH_SECRET turns on peer tokens, MCP_BEARER_TOKEN bearer auth on MCP endpoints.
  kidsstories-mesh --help`;

/** Options every command shares. */
interface CommonOptions {
  outDir: string;
  redisUrl?: string;
  /** Prefix of every Redis key (ports, run records) and of the BullMQ queues. Default `kidsstories:`. */
  redisPrefix: string;
  instanceId: string;
}

/** `run`: make stories now. */
export interface RunCommand extends CommonOptions {
  command: 'run';
  /** Four server processes sharing Redis instead of one process. */
  distributed: boolean;
  date?: string;
  ageBands: AgeBand[];
  pages?: number;
  clips?: number;
  parameters?: GenerationParametersInput;
  json: boolean;
  /** Build the story site for what was written and show where to read it. Default true (`--no-site` skips it). */
  site: boolean;
}

/** `serve`: keep the mesh up. */
export interface ServeCommand extends CommonOptions {
  command: 'serve';
  port: number;
  host: string;
  schedule?: string;
  /** Four server processes sharing Redis instead of one process. */
  distributed: boolean;
  /** One server only. */
  role?: MeshRole;
  /** Port of the role's mesh service. Default 0 (a free port). */
  meshPort?: number;
  /** The gateway role's peers: mesh-service URLs per server. */
  peers?: Record<ServerName, string[]>;
  /** The text role's link to the media server's mesh service. */
  mediaUrl?: string;
  /** Names accepted in the MCP endpoints' `Host` header besides localhost (a container's service name). */
  allowedHosts?: string[];
  /** Where the gateway uploads each finished bundle (`--blob-container` and the Azure Storage environment). */
  blobSync?: BlobConnection;
  /** The checked `mcpServers` file of `--mcp-servers`: plain MCP servers the gateway adds as peers. */
  mcpServers?: { file: string; config: unknown };
  /** `--fail-closed`: an MCP server of `--mcp-servers` that does not start stops the start. */
  failClosed: boolean;
  /** How long the gateway's open breaker for a peer refuses calls, in milliseconds. Default: the mesh's (60 000). */
  breakerOpenMs?: number;
}

/** What the command line asks for. */
export type CommandLine = RunCommand | ServeCommand | { command: 'help' };

/** The longest `--breaker-open-ms`: a day. */
const MAX_BREAKER_OPEN_MS = 86_400_000;

/** The default schedule: every day at midnight UTC. */
export const DEFAULT_SCHEDULE = '0 0 * * *';

/**
 * Parses and checks the command line.
 *
 * @throws UsageError naming the bad flag or value.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(withScheduleValue(argv));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (values.help) return { command: 'help' };
  const [command = 'run', ...rest] = positionals;
  // `start` was the serve command's old name.
  const name = command === 'start' ? 'serve' : command;
  if (name !== 'run' && name !== 'serve') throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  if (rest.length > 0) {
    throw new UsageError(`unexpected argument "${rest[0]}"\n${USAGE}`);
  }
  const distributed = values.distributed;
  const redisUrl = values.redis ?? (distributed ? (env.REDIS_URL ?? 'redis://127.0.0.1:6379') : undefined);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got "${redisUrl}"`);
  }
  const common: CommonOptions = {
    outDir: values.out,
    redisPrefix: values['redis-prefix'] ?? 'kidsstories:',
    instanceId: values['instance-id'] ?? `gateway-${process.pid}`,
    ...(redisUrl === undefined ? {} : { redisUrl }),
  };
  if (name === 'serve') {
    for (const flag of ['date', 'age-band', 'pages', 'clips', 'params'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with run, not serve`);
    }
    const port = integerFlag('port', values.port ?? env.PORT ?? '7600', 0, 65_535);
    const schedule = values.schedule;
    if (schedule !== undefined) checkCron(schedule);
    const role = values.role;
    if (role !== undefined && !['gateway', 'text', 'media', 'video'].includes(role)) {
      throw new UsageError(`--role must be gateway, text, media or video, got "${role}"`);
    }
    if (role !== undefined && distributed)
      throw new UsageError('--role and --distributed do not go together');
    if (values.peers !== undefined && role !== 'gateway')
      throw new UsageError('--peers goes with --role gateway');
    if (values['media-url'] !== undefined && role !== 'text')
      throw new UsageError('--media-url goes with --role text');
    const mediaUrl = values['media-url'] ?? (role === 'text' ? env.MESH_MEDIA_URL : undefined);
    const allowedHosts = (values['allowed-hosts'] ?? env.MCP_ALLOWED_HOSTS)
      ?.split(',')
      .filter((host) => host !== '');
    if (schedule !== undefined && role !== undefined && role !== 'gateway') {
      throw new UsageError(`--schedule goes with the gateway (or the whole mesh), not --role ${role}`);
    }
    if (values['blob-container'] !== undefined && role !== undefined && role !== 'gateway') {
      throw new UsageError(`--blob-container goes with the gateway (or the whole mesh), not --role ${role}`);
    }
    const blobSync =
      role === undefined || role === 'gateway'
        ? blobSyncConnectionOf(values['blob-container'], env)
        : undefined;
    if (values['mcp-servers'] !== undefined && role !== undefined && role !== 'gateway') {
      throw new UsageError(`--mcp-servers goes with the gateway (or the whole mesh), not --role ${role}`);
    }
    if (values['mcp-servers'] !== undefined && distributed) {
      throw new UsageError('--mcp-servers goes with serve or serve --role gateway, not --distributed');
    }
    if (values['breaker-open-ms'] !== undefined && role !== undefined && role !== 'gateway') {
      throw new UsageError(`--breaker-open-ms goes with the gateway (or the whole mesh), not --role ${role}`);
    }
    const breakerOpenMs =
      values['breaker-open-ms'] === undefined
        ? undefined
        : integerFlag('breaker-open-ms', values['breaker-open-ms'], 1, MAX_BREAKER_OPEN_MS);
    if (values['fail-closed'] && values['mcp-servers'] === undefined) {
      throw new UsageError('--fail-closed goes with --mcp-servers');
    }
    const mcpServers =
      values['mcp-servers'] === undefined ? undefined : readMcpServers(values['mcp-servers']);
    const peersText = values.peers ?? env.MESH_PEERS;
    if (role === 'gateway' && peersText === undefined) {
      throw new UsageError('--role gateway needs --peers text=URL,media=URL,video=URL (or MESH_PEERS)');
    }
    return {
      command: 'serve',
      ...common,
      port,
      host: values.host ?? '127.0.0.1',
      distributed,
      ...(schedule === undefined ? {} : { schedule }),
      ...(role === undefined ? {} : { role: role as MeshRole }),
      ...(values['mesh-port'] === undefined
        ? {}
        : { meshPort: integerFlag('mesh-port', values['mesh-port'], 0, 65_535) }),
      ...(role === 'gateway' && peersText !== undefined ? { peers: parsePeers(peersText) } : {}),
      ...(mediaUrl === undefined ? {} : { mediaUrl: checkUrl('media-url', mediaUrl) }),
      ...(allowedHosts === undefined ? {} : { allowedHosts }),
      ...(blobSync === undefined ? {} : { blobSync }),
      ...(mcpServers === undefined ? {} : { mcpServers }),
      failClosed: values['fail-closed'],
      ...(breakerOpenMs === undefined ? {} : { breakerOpenMs }),
    };
  }
  for (const flag of [
    'port',
    'host',
    'schedule',
    'role',
    'mesh-port',
    'peers',
    'media-url',
    'allowed-hosts',
    'blob-container',
    'mcp-servers',
    'breaker-open-ms',
  ] as const) {
    if (values[flag] !== undefined) {
      throw new UsageError(`--${flag} goes with serve, not run`);
    }
  }
  if (values.date !== undefined && !isBundleDate(values.date)) {
    throw new UsageError(`--date must be a calendar date written YYYY-MM-DD, got "${values.date}"`);
  }
  const band = values['age-band'] ?? '6-8';
  if (band !== 'all' && !(AGE_BANDS as readonly string[]).includes(band)) {
    throw new UsageError(`--age-band must be one of ${AGE_BANDS.join(', ')} or all, got "${band}"`);
  }
  const pages = values.pages === undefined ? undefined : integerFlag('pages', values.pages, 1, 24);
  const clips = values.clips === undefined ? undefined : integerFlag('clips', values.clips, 0, 24);
  if (pages !== undefined && clips !== undefined && clips > pages) {
    throw new UsageError(`--clips (${clips}) cannot exceed --pages (${pages})`);
  }
  return {
    command: 'run',
    ...common,
    distributed,
    ageBands: band === 'all' ? [...AGE_BANDS] : [band as AgeBand],
    json: values.json,
    site: !values['no-site'],
    ...(values.date === undefined ? {} : { date: values.date }),
    ...(pages === undefined ? {} : { pages }),
    ...(clips === undefined ? {} : { clips }),
    ...(values.params === undefined ? {} : { parameters: readParameters(values.params) }),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      date: { type: 'string' },
      'age-band': { type: 'string' },
      pages: { type: 'string' },
      clips: { type: 'string' },
      params: { type: 'string' },
      out: { type: 'string', default: 'out' },
      json: { type: 'boolean', default: false },
      'no-site': { type: 'boolean', default: false },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string' },
      'instance-id': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      schedule: { type: 'string' },
      distributed: { type: 'boolean', default: false },
      role: { type: 'string' },
      'mesh-port': { type: 'string' },
      peers: { type: 'string' },
      'media-url': { type: 'string' },
      'allowed-hosts': { type: 'string' },
      'blob-container': { type: 'string' },
      'mcp-servers': { type: 'string' },
      'fail-closed': { type: 'boolean', default: false },
      'breaker-open-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** `--schedule` with no pattern after it (last, or before another flag) means the default pattern. */
function withScheduleValue(argv: readonly string[]): string[] {
  return argv.flatMap((arg, index) =>
    arg === '--schedule' && (index === argv.length - 1 || argv[index + 1]?.startsWith('--'))
      ? [arg, DEFAULT_SCHEDULE]
      : [arg],
  );
}

/** `text=URL[|URL],media=URL,video=URL`: each server's replicas' mesh-service URLs. */
function parsePeers(text: string): Record<ServerName, string[]> {
  const peers: Partial<Record<ServerName, string[]>> = {};
  for (const entry of text.split(',')) {
    const [name, urls] = entry.split('=');
    if (name !== 'text' && name !== 'media' && name !== 'video') {
      throw new UsageError(`--peers: "${entry}" must be text=URL, media=URL or video=URL`);
    }
    peers[name] = (urls ?? '').split('|').map((url) => checkUrl('peers', url));
  }
  for (const name of ['text', 'media', 'video'] as const) {
    if (!peers[name]) throw new UsageError(`--peers has no ${name}=URL`);
  }
  return peers as Record<ServerName, string[]>;
}

function checkUrl(flag: string, url: string): string {
  if (!/^https?:\/\/[^\s/]+/.test(url))
    throw new UsageError(`--${flag}: "${url}" is not an http:// or https:// URL`);
  return url;
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function checkCron(pattern: string): void {
  try {
    new Cron(pattern, { paused: true }).stop();
  } catch (error) {
    throw new UsageError(`--schedule "${pattern}" is not a cron pattern: ${(error as Error).message}`);
  }
}

/**
 * Reads and checks an `mcpServers` file (the format desktop clients use) with `peersFromMcpServersConfig`.
 *
 * @throws UsageError naming the file, the entry and the field.
 */
function readMcpServers(file: string): { file: string; config: unknown } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--mcp-servers: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--mcp-servers: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    peersFromMcpServersConfig(config);
  } catch (error) {
    if (!MeshError.isInstance(error)) throw error;
    throw new UsageError(`--mcp-servers: ${file}: ${error.message}`);
  }
  return { file, config };
}

/** Reads and validates a generation-parameters file. */
function readParameters(file: string): GenerationParametersInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--params: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--params: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const checked = generationParametersInputSchema.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`--params: ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return checked.data;
}

/** The BullMQ key prefix for a Redis key prefix: `kidsstories:` keeps BullMQ's own `bull` (what KEDA rules name). */
export function bullPrefixOf(redisPrefix: string): string {
  return redisPrefix === 'kidsstories:' ? 'bull' : `${redisPrefix}bull`;
}
