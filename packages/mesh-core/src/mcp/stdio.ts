import type { Transport } from '@modelcontextprotocol/server';
import { type StdioServerHandle, serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import type { ToolHost } from '../host/tool-host.js';
import { silentLogger } from '../observability/logger.js';
import { createMcpServerFactory, type McpEdgeOptions } from './mcp-server-factory.js';

/** Options for {@link serveStdio}. */
export interface ServeStdioOptions extends McpEdgeOptions {
  /**
   * The transport; default: a stdio transport over this process's stdin and stdout. Logs must then go to
   * stderr (the default of `createJsonLogger`), never stdout.
   * @default a stdio transport over `process.stdin` and `process.stdout`
   */
  transport?: Transport;
}

/** A running stdio MCP connection. */
export interface StdioServing {
  /** Closes the connection and its MCP server instance. */
  close(): Promise<void>;
}

/**
 * Serves a {@link ToolHost} over MCP stdio through the SDK's `serveStdio`: the opening message picks the era
 * (2026-07-28 or a 2025 `initialize`), and one fresh server instance is pinned to the connection. Tool calls
 * behave as on the HTTP edge (same `_meta` handling, error mapping, progress and log notifications); resources,
 * prompts and completion are served when given in `options`, and the host's changes (list changes, resource
 * updates) reach the client: on a 2025-era connection after `resources/subscribe`, on a 2026-era one through
 * `subscriptions/listen`.
 *
 * @example
 * ```ts
 * // server.ts, run by an MCP client as `node server.js`
 * serveStdio(createLocalToolHost({ id: 'local', tools: [echo], ports }));
 * ```
 */
export function serveStdio(host: ToolHost, options: ServeStdioOptions = {}): StdioServing {
  const logger = (options.logger ?? silentLogger).child({ edge: 'mcp-stdio', nodeId: host.id });
  const handle: StdioServerHandle = serveSdkStdio(
    createMcpServerFactory(host, options, { watchChanges: true }),
    {
      legacy: 'serve',
      onerror: (error) => logger.warn('stdio transport error', { error }),
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    },
  );
  return { close: () => handle.close() };
}
