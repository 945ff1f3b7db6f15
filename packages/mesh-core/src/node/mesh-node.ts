import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostAllowedHostnames } from '@modelcontextprotocol/server';
import type { Tracer } from '@opentelemetry/api';
import type { ToolPorts } from '../context/create-tool-context.js';
import { MeshError } from '../errors/mesh-error.js';
import type { HostFeatures } from '../host/feature-host.js';
import type { ToolHost } from '../host/tool-host.js';
import { createMeshServer, type MeshServer, type MeshServerOptions } from '../link/mesh-server.js';
import type { MeshCaller } from '../link/peer-link-types.js';
import { createMcpHttpHandler, type McpHttpHandler, type McpHttpHandlerOptions } from '../mcp/mcp-edge.js';
import { createMemoryCostLedger } from '../memory/memory-cost-ledger.js';
import { createMemoryEventBus } from '../memory/memory-event-bus.js';
import { createMemoryLock } from '../memory/memory-lock.js';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { createMeshMetrics, type MeshMetrics } from '../observability/metrics.js';
import { checkFinite, checkInteger, checkNonEmptyString } from '../options/check-options.js';
import type { AnyPromptDefinition } from '../prompt/prompt-definition.js';
import type { ResourceDefinition, ResourceTemplateDefinition } from '../resource/resource-definition.js';
import type { AnyToolDefinition } from '../tool/tool-definition.js';
import { createLocalFeatureHost, type LocalFeatureHost } from './local-feature-host.js';
import { createLocalToolHost, type DrainOptions } from './local-tool-host.js';

/** MCP endpoint settings of a {@link MeshNode}. */
export interface MeshNodeMcpOptions
  extends Pick<
    McpHttpHandlerOptions,
    | 'allowedOrigins'
    | 'verifyBearerToken'
    | 'resourceMetadataUrl'
    | 'maxBodyBytes'
    | 'maxJsonDepth'
    | 'responseMode'
    | 'serverInfo'
    | 'instructions'
    | 'relayToolCalls'
    | 'clientLogging'
  > {
  /**
   * TCP port.
   * @default 0 (a free port; read {@link MeshNode.mcpUrl} after `start()`)
   */
  port?: number;
  /**
   * Address to listen on.
   * @default `127.0.0.1`
   */
  hostname?: string;
  /**
   * Path of the MCP endpoint. Default `/mcp`. `/metrics` and `/healthz` are served beside it.
   * @default `/mcp`
   */
  path?: string;
  /**
   * Hostnames accepted in `Host` (DNS rebinding). Default: `localhost`, `127.0.0.1`, `[::1]` and `hostname`
   * when it is not a wildcard address. `false` disables the check.
   * @default `localhost`, `127.0.0.1`, `[::1]` and `hostname` when it is not a wildcard address
   */
  allowedHosts?: readonly string[] | false;
  /**
   * How long a client may take to send a request's headers, in milliseconds; a slower one is answered `408` and
   * disconnected.
   * @default 10 000
   */
  headersTimeoutMs?: number;
  /**
   * How long a client may take to send a whole request (headers and body), in milliseconds; a slower one (a body
   * trickled byte by byte) is answered `408` and disconnected. It bounds receiving the request only, never how
   * long a tool runs or an SSE stream stays open.
   * @default 30 000
   */
  requestTimeoutMs?: number;
  /**
   * Which of the extra routes pass the same checks as the MCP endpoint (`Host`/`Origin` and the bearer token):
   * `metrics` guards `GET /metrics`, `healthz` guards `GET /healthz`. Default: `['metrics']` when
   * `verifyBearerToken` is set (metrics describe the traffic), else none; `/healthz` stays open by default so
   * load balancers and orchestrators can probe it without a token (it reveals only the node id and its state).
   * @default `['metrics']` with `verifyBearerToken`, else `[]`
   */
  guardedRoutes?: ReadonlyArray<'metrics' | 'healthz'>;
}

/** Defaults of {@link MeshNodeMcpOptions}' HTTP timeouts, in milliseconds. */
export const DEFAULT_MESH_NODE_HTTP = Object.freeze({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });

/** The tools of a node: a ready host (a gateway, a custom host) or tool definitions to host locally. */
export type MeshNodeTools =
  | { /** A ready host. */ host: ToolHost; tools?: never }
  | {
      /** Tool definitions, hosted by {@link createLocalToolHost}. */ tools: readonly AnyToolDefinition[];
      host?: never;
    };

/** Options for {@link createMeshNode}. */
export type MeshNodeOptions = MeshNodeTools & {
  /** Stable id of the node. */
  id: string;
  /**
   * Ports for tool handlers. Missing ones default to in-memory implementations (closed with the node).
   * @default in-memory ports (`createMemoryStateStore()`, `createMemoryLock()`, ...)
   */
  ports?: Partial<ToolPorts>;
  /**
   * Where handlers' calls to other nodes go (`ToolContext.mesh`): a `PeerLink` (to a gateway, say) or any
   * `MeshCaller`.
   * @default none (calls fail `failed_precondition`)
   */
  meshClient?: MeshCaller;
  /**
   * The MCP endpoint.
   * @default `{}` (port 0 on 127.0.0.1 at `/mcp`)
   */
  mcp?: MeshNodeMcpOptions;
  /**
   * The mesh service over Connect/HTTP/2 (see `createMeshServer`), or `false` for none.
   * @default `{}`
   */
  mesh?: Omit<MeshServerOptions, 'host' | 'logger'> | false;
  /**
   * Logger.
   * @default silent
   */
  logger?: Logger;
  /**
   * Metrics served on `GET /metrics`. Default: the host's own (`host.metrics`: a gateway counts its calls, peers,
   * retries and breakers there), else a fresh {@link createMeshMetrics} registry.
   * @default `host.metrics`, else `createMeshMetrics()`
   */
  metrics?: MeshMetrics;
  /**
   * Tracer for tool and edge spans.
   * @default the global provider's mesh tracer
   */
  tracer?: Tracer;
  /**
   * Deadline of a local tool, resource read or prompt without its own `timeoutMs`, in milliseconds.
   * @default 60 000
   */
  defaultTimeoutMs?: number;
  /**
   * Resources at fixed URIs, served over MCP (`resources/list`, `resources/read`, subscriptions) and over the mesh
   * service, so a gateway with this node as a peer federates them. Giving this or `resourceTemplates` (even empty)
   * advertises the `resources` capability. Not with a `host` that serves features of its own (a gateway: give them
   * to `createGateway`).
   * @default none
   */
  resources?: readonly ResourceDefinition[];
  /**
   * Resource templates (`resources/templates/list`, reads by URI, completion of their variables).
   * @default none
   */
  resourceTemplates?: readonly ResourceTemplateDefinition[];
  /**
   * Prompts (`prompts/list`, `prompts/get`, completion of their arguments). Giving this (even empty) advertises the
   * `prompts` capability.
   * @default none
   */
  prompts?: readonly AnyPromptDefinition[];
};

/** The defaults of {@link MeshNodeMcpOptions}' endpoint (its HTTP timeouts are {@link DEFAULT_MESH_NODE_HTTP}). */
export const DEFAULT_MESH_NODE = Object.freeze({ port: 0, hostname: '127.0.0.1', path: '/mcp' });

/** The endpoint part of {@link MeshNodeMcpOptions} with every default applied and every value checked. */
export interface ResolvedMeshNodeMcpOptions {
  port: number;
  hostname: string;
  path: string;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  guardedRoutes: ReadonlyArray<'metrics' | 'healthz'>;
}

/**
 * Applies {@link DEFAULT_MESH_NODE} and {@link DEFAULT_MESH_NODE_HTTP} to a node's MCP endpoint options and checks
 * them (the MCP handler's own options are resolved by `createMcpHttpHandler`).
 *
 * @throws MeshError `invalid_argument` naming the field (`mcp.port`, `mcp.path`...): a port that is not a whole
 *   number from 0 to 65535, an empty hostname, a path not starting with `/`, a timeout that is not a whole number
 *   of milliseconds above 0.
 * @example
 * ```ts
 * resolveMeshNodeMcpOptions({ port: 3000 }).path; // '/mcp'
 * ```
 */
export function resolveMeshNodeMcpOptions(mcp: MeshNodeMcpOptions = {}): ResolvedMeshNodeMcpOptions {
  const path = checkNonEmptyString(mcp.path ?? DEFAULT_MESH_NODE.path, 'mcp.path');
  if (!path.startsWith('/')) {
    throw new MeshError(`mcp.path must start with "/", got "${path}"`, 'invalid_argument', {
      details: { field: 'mcp.path' },
    });
  }
  return {
    port: checkFinite(checkInteger(mcp.port ?? DEFAULT_MESH_NODE.port, 'mcp.port', 0), 'mcp.port', {
      max: 65_535,
    }),
    hostname: checkNonEmptyString(mcp.hostname ?? DEFAULT_MESH_NODE.hostname, 'mcp.hostname'),
    path,
    headersTimeoutMs: checkInteger(
      mcp.headersTimeoutMs ?? DEFAULT_MESH_NODE_HTTP.headersTimeoutMs,
      'mcp.headersTimeoutMs',
    ),
    requestTimeoutMs: checkInteger(
      mcp.requestTimeoutMs ?? DEFAULT_MESH_NODE_HTTP.requestTimeoutMs,
      'mcp.requestTimeoutMs',
    ),
    guardedRoutes: mcp.guardedRoutes ?? (mcp.verifyBearerToken ? ['metrics'] : []),
  };
}

type LifecycleState = 'created' | 'starting' | 'running' | 'closing' | 'closed';

/**
 * A node: hosts tools and serves them two ways at once, over MCP Streamable HTTP (both protocol eras, plus
 * `GET /metrics` and `GET /healthz` on the same HTTP/1.1 server) and over the mesh service (Connect on HTTP/2)
 * for peers and gateways. Create it with {@link createMeshNode}.
 */
export class MeshNode {
  /** The node's id. */
  readonly id: string;
  /** The tools it serves. */
  readonly host: ToolHost;
  /** Its metrics (served on `/metrics`). */
  readonly metrics: MeshMetrics;
  /** The ports handed to tool handlers. */
  readonly ports: ToolPorts;
  /**
   * The node's resources, resource templates and prompts (add and remove them here; clients hear of it), or
   * `undefined` when it was created without any of `resources`, `resourceTemplates` and `prompts`.
   */
  readonly features: LocalFeatureHost | undefined;
  readonly #ownedPorts: { close(): Promise<void> }[] = [];
  readonly #mcp: McpHttpHandler;
  readonly #mcpPath: string;
  readonly #endpoint: ResolvedMeshNodeMcpOptions;
  readonly #http: Server;
  readonly #meshServer: MeshServer | undefined;
  readonly #logger: Logger;
  readonly #guarded: ReadonlySet<'metrics' | 'healthz'>;
  #state: LifecycleState = 'created';
  #draining = false;
  #mcpPort: number | undefined;

  /** Prefer {@link createMeshNode}. @throws MeshError `invalid_argument` for bad options. */
  constructor(options: MeshNodeOptions) {
    this.id = options.id;
    this.#logger = (options.logger ?? silentLogger).child({ nodeId: options.id });
    this.metrics = options.metrics ?? options.host?.metrics ?? createMeshMetrics();
    this.ports = this.#resolvePorts(options.ports ?? {});
    if (options.host && options.tools) {
      throw new MeshError('give either host or tools, not both', 'invalid_argument', {
        details: { field: 'tools' },
      });
    }
    this.host =
      options.host ??
      createLocalToolHost({
        id: options.id,
        tools: options.tools ?? [],
        ports: this.ports,
        logger: this.#logger,
        metrics: this.metrics,
        ...(options.meshClient ? { mesh: options.meshClient } : {}),
        ...(options.tracer ? { tracer: options.tracer } : {}),
        ...(options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.defaultTimeoutMs }),
      });
    const hasResources = options.resources !== undefined || options.resourceTemplates !== undefined;
    const hasPrompts = options.prompts !== undefined;
    const hostFeatures = options.host?.features;
    if (hostFeatures && (hasResources || hasPrompts)) {
      throw new MeshError(
        `node "${options.id}": its host serves resources and prompts of its own (a gateway); give resources, resourceTemplates and prompts to the host (createGateway) instead`,
        'invalid_argument',
        { details: { field: hasResources ? 'resources' : 'prompts' } },
      );
    }
    this.features =
      hasResources || hasPrompts
        ? createLocalFeatureHost({
            id: options.id,
            logger: this.#logger,
            ...(options.resources ? { resources: options.resources } : {}),
            ...(options.resourceTemplates ? { resourceTemplates: options.resourceTemplates } : {}),
            ...(options.prompts ? { prompts: options.prompts } : {}),
            ...(options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.defaultTimeoutMs }),
          })
        : undefined;
    const mcp = options.mcp ?? {};
    const endpoint = resolveMeshNodeMcpOptions(mcp);
    this.#endpoint = endpoint;
    this.#mcpPath = endpoint.path;
    const { hostname, headersTimeoutMs, requestTimeoutMs } = endpoint;
    const {
      port: _port,
      hostname: _hostname,
      path: _path,
      allowedHosts,
      headersTimeoutMs: _headersTimeoutMs,
      requestTimeoutMs: _requestTimeoutMs,
      guardedRoutes: _guardedRoutes,
      ...edge
    } = mcp;
    const served: HostFeatures = hostFeatures ?? {
      ...(this.features ? { completion: this.features } : {}),
      ...(this.features && hasResources ? { resources: this.features } : {}),
      ...(this.features && hasPrompts ? { prompts: this.features } : {}),
    };
    this.#mcp = createMcpHttpHandler(this.host, {
      ...edge,
      allowedHosts: allowedHosts ?? defaultAllowedHosts(hostname),
      ...served,
      logger: this.#logger,
      metrics: this.metrics,
      ...(options.tracer ? { tracer: options.tracer } : {}),
    });
    this.#guarded = new Set(endpoint.guardedRoutes);
    this.#http = createServer(
      {
        // Node needs the request timeout to be at least the headers timeout.
        headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
        requestTimeout: requestTimeoutMs,
        // How often Node checks those timeouts: a quarter of the shortest, between 50 ms and Node's 30 s.
        connectionsCheckingInterval: Math.min(
          30_000,
          Math.max(50, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)),
        ),
      },
      (request, response) => void this.#route(request, response),
    );
    // A malformed request line or header must never reach user code or crash the process; a request not received
    // within the timeouts is answered 408 (Node raises it as a client error too).
    this.#http.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const status = timedOut ? '408 Request Timeout' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
      else socket.destroy();
    });
    this.#meshServer =
      options.mesh === false
        ? undefined
        : createMeshServer({ ...options.mesh, host: this.host, features: served, logger: this.#logger });
  }

  /**
   * Says that the contents of the resource at `uri` changed: clients subscribed to it get
   * `notifications/resources/updated` (2025-era sessions after `resources/subscribe`, 2026-era clients on their
   * `subscriptions/listen` stream).
   * @throws MeshError `failed_precondition` when the node serves no resources, `invalid_argument` for a bad URI.
   */
  resourceUpdated(uri: string): void {
    if (!this.features) {
      throw new MeshError(`node "${this.id}" serves no resources`, 'failed_precondition');
    }
    this.features.resourceUpdated(uri);
  }

  /** URL of the MCP endpoint, such as `http://127.0.0.1:50123/mcp`. @throws MeshError before `start()`. */
  get mcpUrl(): string {
    if (this.#mcpPort === undefined) throw new MeshError('the node has not started', 'failed_precondition');
    const { hostname } = this.#endpoint;
    const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
    return `http://${shown}:${this.#mcpPort}${this.#mcpPath}`;
  }

  /** Base URL of the mesh service for peer links. @throws MeshError before `start()` or with `mesh: false`. */
  get meshUrl(): string {
    if (!this.#meshServer)
      throw new MeshError('the node serves no mesh service (mesh: false)', 'failed_precondition');
    if (this.#state !== 'running') throw new MeshError('the node has not started', 'failed_precondition');
    return this.#meshServer.url;
  }

  /** Listens on both servers. @throws MeshError `unavailable` when a port cannot be bound. */
  async start(): Promise<void> {
    if (this.#state !== 'created') {
      throw new MeshError(`cannot start a node that is ${this.#state}`, 'failed_precondition');
    }
    this.#state = 'starting';
    const { port, hostname } = this.#endpoint;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#http.once('error', reject);
        this.#http.listen(port, hostname, () => {
          this.#http.off('error', reject);
          resolve();
        });
      });
      this.#mcpPort = (this.#http.address() as AddressInfo).port;
      await this.#meshServer?.start();
    } catch (error) {
      this.#state = 'closed';
      this.#http.close();
      throw new MeshError(`node "${this.id}" cannot listen: ${(error as Error).message}`, 'unavailable', {
        cause: error,
      });
    }
    this.#state = 'running';
    this.#logger.info('node started', {
      mcpUrl: this.mcpUrl,
      ...(this.#meshServer ? { meshUrl: this.meshUrl } : {}),
    });
  }

  /**
   * Stops taking new calls (`/healthz` answers 503, calls fail `unavailable`) and resolves when the calls in
   * flight have finished. A host without `drain` (a custom host) is only marked unhealthy.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    this.#draining = true;
    const drainable = this.host as ToolHost & { drain?: (options?: DrainOptions) => Promise<void> };
    if (typeof drainable.drain === 'function') await drainable.drain(options);
  }

  /** Drains (within `graceMs`, default 10 000 ms), then closes both servers and the ports it created. */
  async close(options: DrainOptions = {}): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'closing';
    await this.drain({ graceMs: options.graceMs ?? 10_000 });
    await this.#mcp.close();
    if (wasRunning) {
      await Promise.all([
        new Promise<void>((resolve) => {
          this.#http.close(() => resolve());
          // Calls have drained; what is left are keep-alive sockets and long-lived SSE streams.
          this.#http.closeAllConnections();
        }),
        this.#meshServer?.close(),
      ]);
    }
    await Promise.allSettled(this.#ownedPorts.map((port) => port.close()));
    this.#state = 'closed';
    this.#logger.info('node closed');
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    try {
      if (path === this.#mcpPath) return await this.#mcp(request, response);
      const route = path === '/metrics' ? 'metrics' : path === '/healthz' ? 'healthz' : undefined;
      if (route && request.method === 'GET' && this.#guarded.has(route)) {
        if (!(await this.#mcp.guard(request, response))) return;
      }
      if (path === '/metrics' && request.method === 'GET') {
        const body = await this.metrics.render();
        response.writeHead(200, { 'content-type': this.metrics.contentType });
        response.end(body);
        return;
      }
      if (path === '/healthz' && request.method === 'GET') {
        const health = this.#draining ? 'draining' : this.host.health();
        const body = JSON.stringify({ status: health, node: this.id });
        response.writeHead(health === 'serving' ? 200 : 503, { 'content-type': 'application/json' });
        response.end(body);
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `no route for ${request.method} ${path}` }));
    } catch (error) {
      this.#logger.error('request failed', { error, path });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end();
    }
  }

  #resolvePorts(given: Partial<ToolPorts>): ToolPorts {
    const own = <T extends { close(): Promise<void> }>(port: T): T => {
      this.#ownedPorts.push(port);
      return port;
    };
    return {
      state: given.state ?? own(createMemoryStateStore()),
      lock: given.lock ?? own(createMemoryLock()),
      events: given.events ?? own(createMemoryEventBus()),
      ledger: given.ledger ?? own(createMemoryCostLedger()),
    };
  }
}

function defaultAllowedHosts(hostname: string): string[] {
  const hosts = localhostAllowedHostnames();
  const wildcard = hostname === '0.0.0.0' || hostname === '::' || hostname === '';
  const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
  if (!wildcard && !hosts.includes(shown)) hosts.push(shown);
  return hosts;
}

/**
 * Creates a {@link MeshNode}; call `start()` to listen.
 *
 * @throws MeshError `invalid_argument` for bad options or tool definitions (naming the field).
 * @example
 * ```ts
 * const node = createMeshNode({ id: 'story', tools: [echo] });
 * await node.start();
 * console.log(node.mcpUrl, node.meshUrl);
 * ```
 */
export function createMeshNode(options: MeshNodeOptions): MeshNode {
  return new MeshNode(options);
}
