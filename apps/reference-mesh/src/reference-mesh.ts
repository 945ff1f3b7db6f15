import { resolve } from 'node:path';
import {
  createProviders,
  createToolSets,
  type KidsStoriesProviders,
  type ServerName,
} from '@kidsstories/kidsstories-tools';
import {
  createOrchestrateTool,
  createStoryPipeline,
  type StoryPipeline,
  type StoryPipelineOptions,
} from '@kidsstories/kidsstories-tools/pipeline';
import {
  createGateway,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  createMeshNode,
  createPeerLink,
  type Gateway,
  type GatewayPorts,
  type Logger,
  type MeshClient,
  type MeshNode,
  type PeerLink,
  silentLogger,
  type WorkQueue,
} from '@kidsstories/mesh-core';

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
  /** More pipeline options (rate limits, lock timings, budget scopes…). */
  pipeline?: Omit<StoryPipelineOptions, 'mesh' | 'state' | 'lock' | 'outDir' | 'work'>;
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

const SERVERS: readonly ServerName[] = ['text', 'media', 'video'];

/**
 * Starts the reference four-server mesh in this process: MCP-Text, MCP-Media and MCP-Video nodes hosting the
 * KidsStories tools, each with its own MCP endpoint and mesh service, and MCP-Gateway federating them into one
 * MCP endpoint. Tools on one node call tools on another through the gateway's mesh service (the brief's
 * text -> media edge), so every hop carries deadline, correlation id, trace context and budget.
 */
export async function startReferenceMesh(options: ReferenceMeshOptions = {}): Promise<ReferenceMesh> {
  const hostname = options.hostname ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const ports: GatewayPorts = options.ports ?? {
    state: createMemoryStateStore(),
    lock: createMemoryLock({ instanceId: 'reference-mesh' }),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger(),
  };
  const providers = options.providers ?? createProviders();
  const toolSets = createToolSets(providers);

  // Nodes reach other nodes through the gateway's mesh service; the link exists once the gateway listens.
  let gatewayLink: PeerLink | undefined;
  const viaGateway: MeshClient = {
    callTool: (name, args, callOptions) => requireLink().callTool(name, args, callOptions as never),
    listTools: (listOptions) => requireLink().listTools(listOptions),
  };
  const requireLink = () => {
    if (!gatewayLink) throw new Error('the reference mesh is not started');
    return gatewayLink;
  };

  // The pipeline calls every tool through the gateway's mesh service, so each step crosses a peer link.
  const pipeline = createStoryPipeline({
    ...options.pipeline,
    mesh: viaGateway,
    state: ports.state,
    lock: ports.lock,
    outDir: resolve(options.outDir ?? 'out'),
    ...(options.work ? { work: options.work } : {}),
    logger: logger.child({ component: 'pipeline' }),
  });

  const started: MeshNode[] = [];
  const workers = {} as Record<ServerName, MeshNode>;
  try {
    for (const name of SERVERS) {
      const node = createMeshNode({
        id: name,
        tools: toolSets[name],
        ports,
        meshClient: viaGateway,
        logger: logger.child({ node: name }),
        mcp: { hostname },
        mesh: { hostname },
      });
      await node.start();
      started.push(node);
      workers[name] = node;
    }
    const gateway = createGateway({
      id: options.instanceId ?? 'gateway',
      ports,
      logger: logger.child({ node: 'gateway' }),
      peers: SERVERS.map((name) => ({ name, replicas: [workers[name].meshUrl ?? ''] })),
      tools: [createOrchestrateTool(pipeline)],
    });
    await gateway.start();
    const gatewayNode = createMeshNode({
      id: 'gateway',
      host: gateway,
      ports,
      logger: logger.child({ node: 'gateway' }),
      mcp: { hostname, port: options.gatewayPort ?? 0 },
      mesh: { hostname },
    });
    await gatewayNode.start();
    started.push(gatewayNode);
    gatewayLink = createPeerLink({ url: gatewayNode.meshUrl ?? '' });
    await pipeline.start();
    return {
      gatewayUrl: gatewayNode.mcpUrl,
      gateway,
      nodes: { gateway: gatewayNode, ...workers },
      pipeline,
      async close() {
        await pipeline.close();
        await gatewayLink?.close();
        await gatewayNode.close();
        await gateway.close();
        await Promise.all(Object.values(workers).map((node) => node.close()));
      },
    };
  } catch (error) {
    await pipeline.close();
    await Promise.allSettled(started.map((node) => node.close()));
    throw error;
  }
}
