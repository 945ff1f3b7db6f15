import { createHash, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import type { ServerName, ToolSets } from '@kidsstories/kidsstories-tools';
import {
  createOrchestrateTool,
  createPipelineContinuation,
  createStoryPipeline,
  createStoryResources,
  type PipelineContinuation,
  type PipelineContinuationOptions,
  type StoryPipeline,
  type StoryPipelineOptions,
  storyRequestPrompt,
} from '@kidsstories/kidsstories-tools/pipeline';
import {
  createGateway,
  createHmacPeerAuth,
  createMeshNode,
  createPeerLink,
  type Gateway,
  type GatewayPeerOptions,
  type GatewayPorts,
  type Logger,
  MeshError,
  type MeshNode,
  type PeerLink,
  type WorkQueue,
} from '@kidsstories/mesh-core';
import type { BearerTokenVerifier } from '@kidsstories/mesh-core/host';
import type { MeshCaller } from '@kidsstories/mesh-core/link';
import type { HmacPeerAuth } from '@kidsstories/mesh-core/wire';

/** The four servers of the reference mesh. */
export type MeshRole = 'gateway' | ServerName;

/** The worker servers, in the order they start. */
export const SERVER_ROLES: readonly ServerName[] = ['media', 'video', 'text'];

/**
 * Deadlines the gateway gives the KidsStories tools that take longer than its 30 s default (the tools' own
 * `timeoutMs`): a clip renders for tens of seconds on a busy machine, and a deadline shorter than the work would
 * only make the gateway retry it.
 */
export const TOOL_TIMEOUTS_MS: Readonly<Record<string, number>> = Object.freeze({
  generate_story: 120_000,
  generate_image: 120_000,
  generate_audio: 120_000,
  animate_image: 300_000,
  batch_render: 900_000,
});

/** Auth of the mesh: peer tokens between servers, and a bearer token for MCP clients. */
export interface MeshSecurity {
  /** Signs the tokens links send and verifies those mesh services receive. Default: none. */
  peerAuth?: HmacPeerAuth;
  /** Checks MCP clients' bearer tokens on every MCP endpoint. Default: none. */
  verifyBearerToken?: BearerTokenVerifier;
}

/**
 * Auth from the environment: `MESH_SECRET` (at least 32 bytes, shared by every server) turns on signed peer tokens
 * on every mesh link and mesh service; `MCP_BEARER_TOKEN` makes every MCP endpoint require
 * `Authorization: Bearer <token>`. Neither value is ever logged.
 *
 * @throws MeshError `invalid_argument` when `MESH_SECRET` is too short.
 */
export function meshSecurityFromEnv(env: NodeJS.ProcessEnv, issuer: string): MeshSecurity {
  const security: MeshSecurity = {};
  if (env.MESH_SECRET) {
    security.peerAuth = createHmacPeerAuth({ secret: env.MESH_SECRET, issuer, audience: 'kidsstories-mesh' });
  }
  const bearer = env.MCP_BEARER_TOKEN;
  if (bearer) {
    const expected = createHash('sha256').update(bearer).digest();
    security.verifyBearerToken = async (token) =>
      timingSafeEqual(createHash('sha256').update(token).digest(), expected)
        ? { token, clientId: 'mcp-bearer', scopes: [] }
        : undefined;
  }
  return security;
}

/** Options shared by every server of the mesh. */
export interface MeshRoleOptions {
  ports: GatewayPorts;
  logger: Logger;
  /** Address the MCP endpoint and the mesh service listen on. */
  hostname: string;
  /** MCP port. Default 0 (a free port). */
  mcpPort?: number;
  /** Mesh-service port. Default 0 (a free port). */
  meshPort?: number;
  /** Names accepted in `Host` besides the defaults (container DNS names). */
  allowedHosts?: readonly string[];
  security?: MeshSecurity;
}

/** A peer link to `url` carrying the mesh's peer token when one is configured. */
export function createMeshLink(
  url: string,
  security: MeshSecurity = {},
  options: { defaultTimeoutMs?: number } = {},
): PeerLink {
  return createPeerLink({
    url,
    ...options,
    ...(security.peerAuth ? { auth: security.peerAuth.signer } : {}),
  });
}

/**
 * Deadline of the pipeline's calls into the gateway: 5 s past the slowest tool's timeout, so that the gateway's
 * per-tool policy ({@link TOOL_TIMEOUTS_MS}) decides how long each call may take (and its error, naming the tool,
 * arrives first), not the link's 30 s default.
 */
export const PIPELINE_CALL_TIMEOUT_MS = Math.max(...Object.values(TOOL_TIMEOUTS_MS)) + 5_000;

/** A {@link MeshCaller} over a link that is made later (once the server it points at listens). */
export function lateMeshClient(link: () => PeerLink | undefined): MeshCaller {
  const linked = () => {
    const current = link();
    if (!current) throw new MeshError('the mesh link is not up yet', 'unavailable');
    return current;
  };
  return {
    callTool: (name, args, callOptions) => linked().callTool(name, args, callOptions),
    listTools: (listOptions) => linked().listTools(listOptions),
  };
}

function nodeEndpoints(options: MeshRoleOptions) {
  const security = options.security ?? {};
  return {
    mcp: {
      hostname: options.hostname,
      port: options.mcpPort ?? 0,
      ...(options.allowedHosts
        ? { allowedHosts: ['localhost', '127.0.0.1', '[::1]', ...options.allowedHosts] }
        : {}),
      ...(security.verifyBearerToken ? { verifyBearerToken: security.verifyBearerToken } : {}),
    },
    mesh: {
      hostname: options.hostname,
      port: options.meshPort ?? 0,
      ...(security.peerAuth ? { auth: security.peerAuth.verifier } : {}),
    },
  };
}

/**
 * Creates (does not start) the node of one worker server: its KidsStories tools on an MCP endpoint and a mesh
 * service. `meshClient` is how its tools reach other servers (the text server reaches the media server).
 */
export function createServerNode(
  role: ServerName,
  tools: ToolSets,
  options: MeshRoleOptions & { meshClient?: MeshCaller },
): MeshNode {
  return createMeshNode({
    id: role,
    tools: tools[role],
    ports: options.ports,
    ...(options.meshClient ? { meshClient: options.meshClient } : {}),
    logger: options.logger.child({ node: role }),
    ...nodeEndpoints(options),
  });
}

/** Options for {@link startGatewayServer}. */
export interface GatewayServerOptions extends MeshRoleOptions {
  /** Id of this gateway replica. */
  instanceId: string;
  /** Mesh-service URLs of each server's replicas. */
  peers: Readonly<Record<ServerName, readonly string[]>>;
  /** Folder bundles go under. */
  outDir: string;
  /** Where the pipeline's jobs run. Default: in memory, owned by the pipeline. */
  work?: WorkQueue;
  pipeline?: Omit<StoryPipelineOptions, 'mesh' | 'state' | 'lock' | 'outDir' | 'work'>;
  /**
   * Start the pipeline's continuation (`createPipelineContinuation`, consumer named after `instanceId`): this
   * gateway finishes runs whose gateway died. `true` for its defaults, or its options. Default: off.
   */
  continuation?: true | Omit<PipelineContinuationOptions, 'consumer'>;
  /** Deadlines per tool laid over {@link TOOL_TIMEOUTS_MS}, in milliseconds. Default none. */
  toolTimeoutsMs?: Readonly<Record<string, number>>;
  /**
   * More peers federated beside the KidsStories servers: plain MCP servers (`peersFromMcpServersConfig`, issue 18)
   * or other meshes. Default none.
   */
  extraPeers?: readonly GatewayPeerOptions[];
  /**
   * Deadline of one peer's listing, in milliseconds (the first listing of a stdio MCP server includes starting it).
   * Default: the gateway's (5000).
   */
  listTimeoutMs?: number;
  /**
   * How long a peer's open circuit breaker refuses calls before it lets a probe through, in milliseconds (every
   * peer's `policy.breaker.breakDurationMs`, unless an extra peer sets its own). Default: the mesh's (60 000).
   */
  breakerOpenMs?: number;
}

/** A running gateway server: its node, the gateway host, the pipeline behind `orchestrate`, and `close()`. */
export interface GatewayServer {
  node: MeshNode;
  gateway: Gateway;
  pipeline: StoryPipeline;
  close(): Promise<void>;
}

/**
 * Starts the gateway server: a gateway federating the servers' tools, with `route`, `budget_check`,
 * `circuit_status` and `orchestrate`, on its own MCP endpoint and mesh service. The pipeline behind `orchestrate`
 * reaches every tool through a peer link to this gateway's mesh service, so each step crosses the mesh. With
 * `continuation`, it also consumes the pipeline's `story.complete` and `media.complete` streams and finishes runs
 * whose gateway died.
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const security = options.security ?? {};
  let selfLink: PeerLink | undefined;
  const pipeline = createStoryPipeline({
    ...options.pipeline,
    mesh: lateMeshClient(() => selfLink),
    state: options.ports.state,
    lock: options.ports.lock,
    outDir: resolve(options.outDir),
    ...(options.work ? { work: options.work } : {}),
    logger: options.logger.child({ component: 'pipeline' }),
  });
  const { breakerOpenMs } = options;
  const gateway = createGateway({
    id: options.instanceId,
    ports: options.ports,
    logger: options.logger.child({ node: 'gateway' }),
    peers: [
      ...(['text', 'media', 'video'] as const).map(
        (name): GatewayPeerOptions => ({
          name,
          replicas: [...options.peers[name]],
          policy: {
            timeouts: { toolMs: { ...TOOL_TIMEOUTS_MS, ...options.toolTimeoutsMs } },
            ...(breakerOpenMs === undefined ? {} : { breaker: { breakDurationMs: breakerOpenMs } }),
          },
          ...(security.peerAuth ? { linkOptions: { auth: security.peerAuth.signer } } : {}),
        }),
      ),
      ...(options.extraPeers ?? []).map((peer) =>
        breakerOpenMs === undefined || peer.policy?.breaker?.breakDurationMs !== undefined
          ? peer
          : {
              ...peer,
              policy: {
                ...peer.policy,
                breaker: { ...peer.policy?.breaker, breakDurationMs: breakerOpenMs },
              },
            },
      ),
    ],
    tools: [createOrchestrateTool(pipeline)],
    // Published stories and the story request, hosted by the gateway itself (it sees the bundles) and served beside
    // whatever resources and prompts its peers offer.
    resourceTemplates: createStoryResources({ outDir: resolve(options.outDir) }),
    prompts: [storyRequestPrompt],
    ...(options.listTimeoutMs === undefined ? {} : { listTimeoutMs: options.listTimeoutMs }),
  });
  let node: MeshNode | undefined;
  let continuation: PipelineContinuation | undefined;
  try {
    await gateway.start();
    node = createMeshNode({
      id: 'gateway',
      host: gateway,
      ports: options.ports,
      logger: options.logger.child({ node: 'gateway' }),
      ...nodeEndpoints(options),
    });
    await node.start();
    selfLink = createMeshLink(node.meshUrl ?? '', security, {
      defaultTimeoutMs: Math.max(
        PIPELINE_CALL_TIMEOUT_MS,
        ...Object.values(options.toolTimeoutsMs ?? {}).map((ms) => ms + 5_000),
      ),
    });
    await pipeline.start();
    if (options.continuation) {
      continuation = createPipelineContinuation(pipeline, {
        ...(options.continuation === true ? {} : options.continuation),
        consumer: options.instanceId,
      });
      await continuation.start();
    }
  } catch (error) {
    await continuation?.close();
    await pipeline.close();
    await node?.close();
    await gateway.close();
    throw error;
  }
  const started = node;
  return {
    node: started,
    gateway,
    pipeline,
    async close() {
      await continuation?.close();
      await pipeline.close();
      await selfLink?.close();
      await started.close();
      await gateway.close();
    },
  };
}
