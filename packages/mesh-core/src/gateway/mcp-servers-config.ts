import * as z from 'zod';
import { MeshError } from '../errors/mesh-error.js';
import type { McpPeerLinkCommonOptions, McpPeerLinkOptions } from '../link/mcp-peer-link-options.js';
import type { GatewayPeerOptions, GatewayPeerPolicyOptions } from './gateway-peer.js';

// The `mcpServers` file desktop clients use (Claude Desktop, Cursor, Windsurf; VS Code's `servers`), turned into
// gateway peers: each entry one peer whose one replica is a plain MCP server (`{ mcp: McpPeerLinkOptions }`).

/** Options for {@link peersFromMcpServersConfig}. */
export interface McpServersConfigOptions {
  /**
   * Link options given to every server (timeouts, limits, backoff, logger).
   * @default none
   */
  link?: Omit<McpPeerLinkCommonOptions, 'name'>;
  /**
   * Resilience settings of every server's peer.
   * @default those of `createPeerPolicy`
   */
  policy?: GatewayPeerPolicyOptions;
}

const stringMap = z.record(z.string(), z.string());
const entrySchema = z.looseObject({
  type: z.enum(['stdio', 'http', 'streamable-http', 'streamableHttp', 'sse']).optional(),
  command: z.string().min(1, 'must be a non-empty string').optional(),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  cwd: z.string().min(1).optional(),
  url: z
    .string()
    .refine(
      (value) => /^https?:\/\//i.test(value) && URL.canParse(value),
      'must be an http:// or https:// URL',
    )
    .optional(),
  headers: stringMap.optional(),
  disabled: z.boolean().optional(),
});
const fileSchema = z.looseObject({
  mcpServers: z.record(z.string(), z.unknown()).optional(),
  servers: z.record(z.string(), z.unknown()).optional(),
});

const PEER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function invalid(message: string, field: string, entry?: string): MeshError {
  return new MeshError(message, 'invalid_argument', {
    details: { field, ...(entry === undefined ? {} : { entry }) },
  });
}

/** A peer name for an entry name: characters outside `[A-Za-z0-9_-]` become `_`, at most 64. */
export function peerNameOf(entry: string): string {
  return entry.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/**
 * Turns an `mcpServers` configuration (the JSON desktop clients use) into gateway peers, one per server:
 * `{ "mcpServers": { "<name>": { "command", "args"?, "env"?, "cwd"? } | { "url", "headers"? } } }`, with the
 * `type` field Claude Desktop, Cursor and VS Code write (`stdio`, `http`, `streamable-http`, `sse`) honoured, and
 * VS Code's top-level `servers` accepted in place of `mcpServers`. Entries with `"disabled": true` are left out;
 * unknown fields are ignored. A name outside `[A-Za-z0-9_-]` becomes a peer name with `_` in their place.
 *
 * Commands, URLs, env values and headers come only from this operator configuration; the links register env and
 * header values as secrets.
 *
 * @throws MeshError `invalid_argument` naming the entry and the field (`details.entry`, `details.field`, such as
 * `mcpServers.github.url`).
 * @example
 * ```ts
 * const peers = peersFromMcpServersConfig(JSON.parse(await readFile('claude_desktop_config.json', 'utf8')));
 * const gateway = createGateway({ id: 'gw', ports, peers });
 * ```
 */
export function peersFromMcpServersConfig(
  config: unknown,
  options: McpServersConfigOptions = {},
): GatewayPeerOptions[] {
  const file = fileSchema.safeParse(config);
  if (!file.success) {
    throw invalid('the configuration must be a JSON object with an "mcpServers" object', 'mcpServers');
  }
  const key = file.data.mcpServers !== undefined ? 'mcpServers' : 'servers';
  const servers = file.data.mcpServers ?? file.data.servers;
  if (servers === undefined) {
    throw invalid('the configuration has no "mcpServers" (or "servers") object', 'mcpServers');
  }
  const peers: GatewayPeerOptions[] = [];
  const taken = new Map<string, string>();
  for (const [entry, raw] of Object.entries(servers)) {
    const at = `${key}.${entry}`;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = [at, ...(issue?.path ?? []).map(String)].join('.');
      throw invalid(`${field}: ${issue?.message ?? 'is invalid'}`, field, entry);
    }
    const server = parsed.data;
    if (server.disabled === true) continue;
    const name = peerNameOf(entry);
    if (!PEER_NAME.test(name)) throw invalid(`${at}: the server needs a non-empty name`, at, entry);
    const other = taken.get(name);
    if (other !== undefined) {
      throw invalid(`${at}: its peer name "${name}" is also that of "${other}"`, at, entry);
    }
    taken.set(name, entry);
    const wantsStdio = server.type === 'stdio' || (server.type === undefined && server.url === undefined);
    let mcp: McpPeerLinkOptions;
    if (wantsStdio) {
      if (server.command === undefined) {
        throw invalid(`${at}.command: a stdio server needs a command`, `${at}.command`, entry);
      }
      if (server.url !== undefined) {
        throw invalid(`${at}.url: give a command or a url, not both`, `${at}.url`, entry);
      }
      mcp = {
        ...options.link,
        name: entry,
        command: server.command,
        ...(server.args === undefined ? {} : { args: server.args }),
        ...(server.env === undefined ? {} : { env: server.env }),
        ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
      };
    } else {
      if (server.url === undefined) {
        throw invalid(`${at}.url: an ${server.type} server needs a url`, `${at}.url`, entry);
      }
      if (server.command !== undefined) {
        throw invalid(`${at}.command: give a command or a url, not both`, `${at}.command`, entry);
      }
      mcp = {
        ...options.link,
        name: entry,
        url: server.url,
        protocol: server.type === 'sse' ? 'sse' : server.type === undefined ? 'auto' : 'streamable-http',
        ...(server.headers === undefined ? {} : { headers: server.headers }),
      };
    }
    peers.push({
      name,
      replicas: [{ mcp }],
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    });
  }
  return peers;
}
