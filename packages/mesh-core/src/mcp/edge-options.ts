import type { Tracer } from '@opentelemetry/api';
import type { ToolHost } from '../host/tool-host.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import type { McpFeatures } from './mcp-features.js';

/** Options shared by the MCP edges (HTTP and stdio). */
export interface McpEdgeOptions extends McpFeatures {
  /**
   * Advertise the `logging` capability and send what handlers write to their context's logger to the client as
   * `notifications/message`, at or above the level it asked for (through a gateway too: peer links stream the
   * records back).
   * @default `true`
   */
  clientLogging?: boolean;
  /**
   * Name and version reported to clients.
   * @default `{ name: host.id, version: '0.1.0' }`
   */
  serverInfo?: { name: string; version: string };
  /**
   * Instructions for the model, sent at initialization.
   * @default none
   */
  instructions?: string;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
  /**
   * Metrics; rejected requests are counted on `errors_total`.
   * @default none
   */
  metrics?: MeshMetrics;
  /**
   * Tracer for the edge span around each call.
   * @default the global provider's mesh tracer
   */
  tracer?: Tracer;
  /**
   * Clock, for tests.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Generates correlation ids for calls that carry none.
   * @default `crypto.randomUUID`
   */
  generateId?: () => string;
}

/** {@link McpEdgeOptions} with their defaults applied: what the SDK handler and the relay path both run with. */
export type ResolvedEdgeOptions = McpEdgeOptions & {
  now: () => number;
  logger: Logger;
  serverInfo: { name: string; version: string };
  clientLogging: boolean;
};

/** Applies the defaults of {@link McpEdgeOptions} for `host`. */
export function resolveEdgeOptions(host: ToolHost, options: McpEdgeOptions): ResolvedEdgeOptions {
  return {
    ...options,
    now: options.now ?? Date.now,
    logger: (options.logger ?? silentLogger).child({ edge: 'mcp', nodeId: host.id }),
    serverInfo: options.serverInfo ?? { name: host.id, version: '0.1.0' },
    clientLogging: options.clientLogging ?? true,
  };
}
