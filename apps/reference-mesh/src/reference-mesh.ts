import {
  createProviders,
  createToolSets,
  KIDSSTORIES_PRICE_TABLE,
  type KidsStoriesProviders,
  type ServerName,
} from '@kidsstories/kidsstories-tools';
import type {
  PipelineContinuationOptions,
  StoryPipeline,
  StoryPipelineOptions,
} from '@kidsstories/kidsstories-tools/pipeline';
import {
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  type Gateway,
  type GatewayPeerOptions,
  type GatewayPorts,
  type Logger,
  type MeshNode,
  type PeerLink,
  silentLogger,
  type WorkQueue,
} from '@kidsstories/mesh-core';
import {
  createMeshLink,
  createServerNode,
  lateMeshClient,
  type MeshSecurity,
  SERVER_ROLES,
  startGatewayServer,
} from './mesh-roles.js';

/** Options for {@link startReferenceMesh}. */
export interface ReferenceMeshOptions {
  /** Port of the gateway's MCP endpoint. Default 0 (a free port). */
  gatewayPort?: number;
  /** Address every node listens on. Default `127.0.0.1`. */
  hostname?: string;
  /** Providers of the KidsStories tools. Default: from the environment (offline unless configured). */
  providers?: KidsStoriesProviders;
  /**
   * Ports shared by every node, and where the gateway shares breaker state (`circuitState`). Default: one set of
   * in-memory ports (the embedded default); pass the Redis ports to run several replicas of the mesh.
   */
  ports?: GatewayPorts;
  /** Id of this replica (lock owners, breaker transitions). Default `gateway`. */
  instanceId?: string;
  /** Logger. Default: silent. */
  logger?: Logger;
  /** Folder the pipeline writes bundles under (`stories/{date}/{ageBand}/`). Default `./out`. */
  outDir?: string;
  /**
   * Where the pipeline's jobs run. Default: an in-memory work queue (the embedded default); pass
   * `createBullmqWorkQueue` from `@kidsstories/mesh-redis` to share queues and rate limits across replicas.
   */
  work?: WorkQueue;
  /** Peer tokens and MCP bearer auth (see {@link meshSecurityFromEnv}). Default: none. */
  security?: MeshSecurity;
  /** More pipeline options (rate limits, lock timings, budget scopes…). */
  pipeline?: Omit<StoryPipelineOptions, 'mesh' | 'state' | 'lock' | 'outDir' | 'work'>;
  /**
   * Start the pipeline's continuation on the gateway (it finishes runs whose gateway died; `serve` turns it on):
   * `true` for its defaults, or its options. Default: off.
   */
  continuation?: true | Omit<PipelineContinuationOptions, 'consumer'>;
  /** Deadlines the gateway gives tools, laid over `TOOL_TIMEOUTS_MS`, in milliseconds. Default none. */
  toolTimeoutsMs?: Readonly<Record<string, number>>;
  /**
   * More replicas of a worker server, each a node of its own with its own providers, added to the gateway's
   * replicas of that server (the gateway fails over between them). Default none.
   */
  replicas?: ReadonlyArray<{ role: ServerName; providers: KidsStoriesProviders }>;
  /** More gateway peers beside the KidsStories servers, such as plain MCP servers (`serve --mcp-servers`). */
  extraPeers?: readonly GatewayPeerOptions[];
  /** Deadline of one peer's listing at the gateway, in milliseconds. Default 5000. */
  listTimeoutMs?: number;
  /**
   * How long a peer's open circuit breaker refuses calls before it lets a probe through, in milliseconds.
   * Default: the mesh's (60 000).
   */
  breakerOpenMs?: number;
}

/** A running reference mesh: the gateway and the text, media and video nodes. */
export interface ReferenceMesh {
  /** The gateway's MCP endpoint: the one URL clients need. */
  readonly gatewayUrl: string;
  readonly gateway: Gateway;
  /** The nodes by name (`gateway`, `text`, `media`, `video`). */
  readonly nodes: Readonly<Record<'gateway' | ServerName, MeshNode>>;
  /** The daily story pipeline behind the gateway's `orchestrate` tool. */
  readonly pipeline: StoryPipeline;
  /** Stops every node and the gateway. */
  close(): Promise<void>;
}

/**
 * Starts the reference four-server mesh in this process: MCP-Text, MCP-Media and MCP-Video nodes hosting the
 * KidsStories tools, each with its own MCP endpoint and mesh service, and MCP-Gateway federating them into one
 * MCP endpoint with `orchestrate`. As in the brief's topology the text server also has its own peer link to the
 * media server (text -> media): `generate_story` builds the character guide there. Every hop carries deadline,
 * correlation id, trace context and budget.
 */
export async function startReferenceMesh(options: ReferenceMeshOptions = {}): Promise<ReferenceMesh> {
  const hostname = options.hostname ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const ports: GatewayPorts = options.ports ?? {
    state: createMemoryStateStore(),
    lock: createMemoryLock({ instanceId: 'reference-mesh' }),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
  };
  const providers = options.providers ?? createProviders();
  const tools = createToolSets(providers);
  const security = options.security ?? {};
  const roleOptions = { ports, logger, hostname, security };

  const workers = {} as Record<ServerName, MeshNode>;
  const extra: Array<{ role: ServerName; node: MeshNode }> = [];
  const links: PeerLink[] = [];
  try {
    for (const role of SERVER_ROLES) {
      // The text server reaches the media server over its own link (the brief's text -> media edge).
      const mediaLink = role === 'text' ? createMeshLink(workers.media.meshUrl ?? '', security) : undefined;
      if (mediaLink) links.push(mediaLink);
      const node = createServerNode(role, tools, {
        ...roleOptions,
        ...(mediaLink ? { meshClient: lateMeshClient(() => mediaLink) } : {}),
      });
      await node.start();
      workers[role] = node;
    }
    for (const replica of options.replicas ?? []) {
      const node = createServerNode(replica.role, createToolSets(replica.providers), roleOptions);
      await node.start();
      extra.push({ role: replica.role, node });
    }
    const urlsOf = (role: ServerName) => [
      workers[role].meshUrl ?? '',
      ...extra.filter((entry) => entry.role === role).map((entry) => entry.node.meshUrl ?? ''),
    ];
    const server = await startGatewayServer({
      ...roleOptions,
      instanceId: options.instanceId ?? 'gateway',
      mcpPort: options.gatewayPort ?? 0,
      peers: { text: urlsOf('text'), media: urlsOf('media'), video: urlsOf('video') },
      ...(options.toolTimeoutsMs ? { toolTimeoutsMs: options.toolTimeoutsMs } : {}),
      outDir: options.outDir ?? 'out',
      ...(options.work ? { work: options.work } : {}),
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
      ...(options.continuation ? { continuation: options.continuation } : {}),
      ...(options.extraPeers ? { extraPeers: options.extraPeers } : {}),
      ...(options.listTimeoutMs === undefined ? {} : { listTimeoutMs: options.listTimeoutMs }),
      ...(options.breakerOpenMs === undefined ? {} : { breakerOpenMs: options.breakerOpenMs }),
    });
    return {
      gatewayUrl: server.node.mcpUrl,
      gateway: server.gateway,
      nodes: { gateway: server.node, ...workers },
      pipeline: server.pipeline,
      async close() {
        await server.close();
        await Promise.all(links.map((link) => link.close()));
        await Promise.all(Object.values(workers).map((node) => node.close()));
        await Promise.all(extra.map(({ node }) => node.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(links.map((link) => link.close()));
    await Promise.allSettled(Object.values(workers).map((node) => node.close()));
    await Promise.allSettled(extra.map(({ node }) => node.close()));
    throw error;
  }
}
