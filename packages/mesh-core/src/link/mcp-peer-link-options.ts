import { basename } from 'node:path';
import { MeshError } from '../errors/mesh-error.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkInteger } from '../options/check-options.js';
import {
  type BackoffOptions,
  type ResolvedBackoffOptions,
  resolveBackoffOptions,
} from '../resilience/backoff.js';

/** How a URL upstream is spoken to: Streamable HTTP, the legacy HTTP+SSE transport, or Streamable HTTP first. */
export type McpHttpProtocol = 'auto' | 'streamable-http' | 'sse';

/**
 * The MCP protocol era spoken to the upstream: `modern` (2026-07-28, stateless, `input_required` results),
 * `legacy` (a 2025-era session opened with `initialize`), or `auto` (probe with `server/discover`, fall back to
 * `legacy`).
 */
export type McpProtocolEra = 'auto' | 'legacy' | 'modern';

/**
 * Backoff between restarts of a stdio upstream (and reconnects of a URL upstream), in the mesh's one backoff
 * vocabulary (`resilience/backoff.ts`). Defaults: `initialDelayMs` 250, `maxDelayMs` 30000, `multiplier` 2,
 * `jitter` 0.5.
 */
export interface McpRestartBackoffOptions extends BackoffOptions {
  /**
   * A process or session that stayed up this long resets the backoff, in milliseconds.
   * @default 10000
   */
  stableMs?: number;
}

/** Options every kind of MCP upstream shares. */
export interface McpPeerLinkCommonOptions {
  /**
   * The name shown in logs, errors, metrics and `circuit_status` instead of the command line or the URL (which may
   * carry tokens).
   * @default `stdio:<command file name>`, or the URL's origin and path without credentials or query
   */
  name?: string;
  /**
   * Protocol era.
   * @default `auto` for URLs, `legacy` for stdio (`auto` costs a probe process per start)
   */
  era?: McpProtocolEra;
  /**
   * Deadline of a request that sets no `timeoutMs`, in milliseconds.
   * @default 30000
   */
  defaultTimeoutMs?: number;
  /**
   * Deadline of connecting (spawn and `initialize`, or `server/discover`), in milliseconds.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /**
   * Largest single message accepted from the upstream, in bytes.
   * @default 16777216 (16 MiB)
   */
  maxMessageBytes?: number;
  /**
   * Most items (tools, resources, templates, prompts) accepted in one listing.
   * @default 10000
   */
  maxListItems?: number;
  /**
   * Deepest nesting of a tool's `inputSchema` or `outputSchema` accepted, in levels; a deeper tool is left out of
   * the listing (and logged).
   * @default 32
   */
  maxSchemaDepth?: number;
  /**
   * Backoff between restarts after the upstream exited or its session was lost.
   * @default 250 ms doubling to 30 s, jitter 0.5 (DEFAULT_MCP_PEER_LINK.restartBackoff)
   */
  restartBackoff?: McpRestartBackoffOptions;
  /**
   * Most stderr lines of a stdio upstream logged per minute (at warn); the rest are counted and reported once the
   * minute is over.
   * @default 120
   */
  maxStderrLinesPerMinute?: number;
  /**
   * How long a call is held open for the client's answer after a 2025-era upstream asked for input in the middle
   * of it (`elicitation/create`, `sampling/createMessage`, `roots/list`, relayed as an `input_required` outcome), in
   * milliseconds. When it passes, the upstream's request is answered with an error, the upstream call is cancelled
   * and the client's retry fails `failed_precondition`.
   * @default 300000 (5 minutes)
   */
  heldCallTimeoutMs?: number;
  /**
   * Most calls held open for the client's answer at once; a call asking for input beyond it fails
   * `resource_exhausted` (`details.reason: 'too_many_held_calls'`) and is cancelled upstream.
   * @default 1000
   */
  maxHeldCalls?: number;
  /**
   * Send the mesh's own `_meta` keys with every request: `io.kidsstories/correlation-id`,
   * `io.kidsstories/timeout-ms` (the deadline) and `io.kidsstories/budget-id`. Turn it on for an upstream that
   * reads them, such as a mesh node's MCP endpoint (its logs then carry the gateway's correlation id, and its
   * tools the caller's deadline). A plain MCP server does not know them, and every key costs it work on every
   * call, so by default they are left out. Either way the link enforces the deadline itself (the request's
   * timeout, then cancellation), and sends the W3C trace context (`traceparent`, `tracestate`) when the call has
   * one, a progress token when the caller wants progress, and a log level when it wants log records.
   * @default false
   */
  meshMeta?: boolean;
  /**
   * Called on the upstream's list-changed notifications (`tools`, `resources`, `prompts`), which also reach
   * `watchEvents` listeners as `tools_changed`, `resources_changed` and `prompts_changed`.
   * @default none
   */
  onListChanged?: (kind: 'tools' | 'resources' | 'prompts') => void;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
  /**
   * Random source in [0, 1) for backoff jitter.
   * @default `Math.random`
   */
  random?: () => number;
  /**
   * Clock in epoch milliseconds.
   * @default `Date.now`
   */
  now?: () => number;
}

/** An upstream MCP server reached over HTTP: Streamable HTTP (both eras) or the legacy HTTP+SSE transport. */
export interface McpHttpPeerLinkOptions extends McpPeerLinkCommonOptions {
  /** The server's MCP endpoint, `http://` or `https://`. From operator configuration only, never from a client. */
  url: string;
  /**
   * Headers sent with every request (an `Authorization` token…). Their values are registered as secrets.
   * @default none
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Transport.
   * @default `auto`: Streamable HTTP, falling back to HTTP+SSE when the server refuses it (4xx)
   */
  protocol?: McpHttpProtocol;
  /**
   * Send plain `tools/call` requests on the link's lean path once a Streamable HTTP session is open: the request
   * the official client would send, from a keep-alive connection pool, its JSON or SSE answer read by the link
   * (docs/decisions/0012-lean-mcp-tool-calls.md). Everything else (connecting, lists, resources, prompts, calls
   * of tools that declare `x-mcp-header`, redirects) goes through the official client. `false` sends every call
   * through the official client.
   * @default `true`
   */
  leanToolCalls?: boolean;
  command?: never;
}

/** An upstream MCP server the link starts as a child process and speaks to over stdio. */
export interface McpStdioPeerLinkOptions extends McpPeerLinkCommonOptions {
  /** The executable (looked up on `PATH`). From operator configuration only, never from a client. */
  command: string;
  /**
   * Its arguments. Never logged (they may hold tokens).
   * @default none
   */
  args?: readonly string[];
  /**
   * Environment of the process, on top of a minimal inherited one (`HOME`, `PATH`, `SHELL`, `TERM`, `USER`,
   * `LOGNAME`): the gateway's own secrets are not passed on. Values are registered as secrets.
   * @default none
   */
  env?: Readonly<Record<string, string>>;
  /**
   * Working directory.
   * @default the gateway's
   */
  cwd?: string;
  url?: never;
}

/** Options for `createMcpPeerLink`: a URL upstream or a stdio upstream. */
export type McpPeerLinkOptions = McpHttpPeerLinkOptions | McpStdioPeerLinkOptions;

/** Defaults of {@link McpPeerLinkCommonOptions}. */
export const DEFAULT_MCP_PEER_LINK = {
  defaultTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxMessageBytes: 16 * 1024 * 1024,
  maxListItems: 10_000,
  maxSchemaDepth: 32,
  restartBackoff: Object.freeze({ initialDelayMs: 250, maxDelayMs: 30_000, multiplier: 2, jitter: 0.5 }),
  restartStableMs: 10_000,
  maxStderrLinesPerMinute: 120,
  heldCallTimeoutMs: 300_000,
  maxHeldCalls: 1_000,
  meshMeta: false,
} as const;

/** {@link McpPeerLinkOptions} with defaults applied and values checked. */
export type ResolvedMcpPeerLinkOptions = {
  name: string;
  era: McpProtocolEra;
  defaultTimeoutMs: number;
  connectTimeoutMs: number;
  maxMessageBytes: number;
  maxListItems: number;
  maxSchemaDepth: number;
  restartBackoff: ResolvedBackoffOptions;
  restartStableMs: number;
  maxStderrLinesPerMinute: number;
  heldCallTimeoutMs: number;
  maxHeldCalls: number;
  meshMeta: boolean;
  logger: Logger;
  random: () => number;
  now: () => number;
  /** Every env value and header value (and URL credentials), for `registerSecretValues`. */
  secrets: string[];
} & (
  | {
      kind: 'http';
      url: URL;
      headers: Record<string, string>;
      protocol: McpHttpProtocol;
      leanToolCalls: boolean;
    }
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
);

function invalid(message: string, field: string): MeshError {
  return new MeshError(message, 'invalid_argument', { details: { field } });
}

function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`${field} must be a boolean, got ${typeof value}`, field);
  return value;
}

function stringRecord(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${field} must be an object of strings`, field);
  }
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalid(`${field}.${key} must be a string`, `${field}.${key}`);
    out[key] = item;
  }
  return out;
}

/** The URL as it may be shown: origin and path, no credentials, no query, no fragment. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Applies the defaults once and checks every option.
 *
 * @throws MeshError `invalid_argument` naming the option (`url`, `command`, `env.TOKEN`…).
 */
export function resolveMcpPeerLinkOptions(options: McpPeerLinkOptions): ResolvedMcpPeerLinkOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options are required', 'options');
  const hasUrl = options.url !== undefined;
  const hasCommand = options.command !== undefined;
  if (hasUrl === hasCommand) throw invalid('give either url or command, not both or neither', 'url');
  const era = options.era ?? (hasUrl ? 'auto' : 'legacy');
  if (!['auto', 'legacy', 'modern'].includes(era)) {
    throw invalid(`era must be auto, legacy or modern, got "${String(era)}"`, 'era');
  }
  const common = {
    era,
    defaultTimeoutMs: checkInteger(
      options.defaultTimeoutMs ?? DEFAULT_MCP_PEER_LINK.defaultTimeoutMs,
      'defaultTimeoutMs',
    ),
    connectTimeoutMs: checkInteger(
      options.connectTimeoutMs ?? DEFAULT_MCP_PEER_LINK.connectTimeoutMs,
      'connectTimeoutMs',
    ),
    maxMessageBytes: checkInteger(
      options.maxMessageBytes ?? DEFAULT_MCP_PEER_LINK.maxMessageBytes,
      'maxMessageBytes',
    ),
    maxListItems: checkInteger(options.maxListItems ?? DEFAULT_MCP_PEER_LINK.maxListItems, 'maxListItems'),
    maxSchemaDepth: checkInteger(
      options.maxSchemaDepth ?? DEFAULT_MCP_PEER_LINK.maxSchemaDepth,
      'maxSchemaDepth',
    ),
    restartBackoff: resolveBackoffOptions(
      options.restartBackoff,
      DEFAULT_MCP_PEER_LINK.restartBackoff,
      'restartBackoff',
    ),
    restartStableMs: checkInteger(
      options.restartBackoff?.stableMs ?? DEFAULT_MCP_PEER_LINK.restartStableMs,
      'restartBackoff.stableMs',
    ),
    maxStderrLinesPerMinute: checkInteger(
      options.maxStderrLinesPerMinute ?? DEFAULT_MCP_PEER_LINK.maxStderrLinesPerMinute,
      'maxStderrLinesPerMinute',
    ),
    heldCallTimeoutMs: checkInteger(
      options.heldCallTimeoutMs ?? DEFAULT_MCP_PEER_LINK.heldCallTimeoutMs,
      'heldCallTimeoutMs',
    ),
    maxHeldCalls: checkInteger(options.maxHeldCalls ?? DEFAULT_MCP_PEER_LINK.maxHeldCalls, 'maxHeldCalls'),
    meshMeta: checkBoolean(options.meshMeta ?? DEFAULT_MCP_PEER_LINK.meshMeta, 'meshMeta'),
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw invalid('name must be a non-empty string', 'name');
  }
  if (hasUrl) {
    let url: URL;
    try {
      url = new URL(String(options.url));
    } catch {
      throw invalid('url is not a valid URL', 'url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(`url must be http: or https:, got ${url.protocol}`, 'url');
    }
    const protocol = options.protocol ?? 'auto';
    if (!['auto', 'streamable-http', 'sse'].includes(protocol)) {
      throw invalid(`protocol must be auto, streamable-http or sse, got "${String(protocol)}"`, 'protocol');
    }
    const headers = stringRecord(options.headers, 'headers');
    const leanToolCalls = checkBoolean(options.leanToolCalls ?? true, 'leanToolCalls');
    const secrets = [
      ...Object.values(headers).flatMap((value) => [
        value,
        value.replace(/^\s*(Bearer|Basic|Token)\s+/i, ''),
      ]),
      decodeURIComponent(url.password),
      ...[...url.searchParams.values()],
    ];
    return {
      ...common,
      name: options.name ?? displayUrl(url),
      secrets,
      kind: 'http',
      url,
      headers,
      protocol,
      leanToolCalls,
    };
  }
  const command = options.command;
  if (typeof command !== 'string' || command.trim() === '')
    throw invalid('command must be a non-empty string', 'command');
  const args = options.args ?? [];
  if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) {
    throw invalid('args must be an array of strings', 'args');
  }
  const env = stringRecord(options.env, 'env');
  if (options.cwd !== undefined && (typeof options.cwd !== 'string' || options.cwd === '')) {
    throw invalid('cwd must be a non-empty string', 'cwd');
  }
  return {
    ...common,
    name: options.name ?? `stdio:${basename(command)}`,
    secrets: Object.values(env),
    kind: 'stdio',
    command,
    args: [...args],
    env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  };
}
