import { createProviders, createToolSets, KIDSSTORIES_PRICE_TABLE } from '@kidsstories/kidsstories-tools';
import {
  createJsonLogger,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  createMemoryWorkQueue,
  type GatewayPorts,
  type PeerLink,
  type WorkQueue,
} from '@kidsstories/mesh-core';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import {
  createMeshLink,
  createServerNode,
  lateMeshClient,
  type MeshRole,
  meshSecurityFromEnv,
  startGatewayServer,
} from '../mesh-roles.js';
import { openRedisPorts } from '../redis-ports.js';
import { blobSyncBanner, startGatewayBlobSync } from './blob-sync.js';
import { redisPortsOptionsOf, workQueueOptionsOf } from './command-redis.js';
import { scheduleDailyStories } from './daily-schedule.js';
import { MCP_SERVERS_LIST_TIMEOUT_MS, mcpServerPeers, reportMcpServers } from './mcp-servers.js';
import type { ServeCommand } from './parse-command-line.js';

/**
 * `kidsstories-mesh serve --role <role>`: one server in this process, as a container runs it. The text, media and
 * video roles serve their tools on an MCP endpoint and a mesh service (the text server links to the media server
 * with `--media-url`); the gateway federates the servers given by `--peers` and hosts `orchestrate`, whose jobs run
 * on BullMQ queues with `--redis`. Prints `KidsStories <role> server is ready …` once it listens; stops on
 * SIGINT/SIGTERM.
 */
export async function serveRole(command: ServeCommand & { role: MeshRole }): Promise<void> {
  const { role } = command;
  const logger = createJsonLogger({
    fields: { app: 'reference-mesh', role, instanceId: command.instanceId },
  });
  const redis = command.redisUrl
    ? await openRedisPorts(redisPortsOptionsOf(command, command.redisUrl, logger))
    : undefined;
  const ports: GatewayPorts = redis?.ports ?? {
    state: createMemoryStateStore(),
    lock: createMemoryLock({ instanceId: command.instanceId }),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
  };
  const roleOptions = {
    ports,
    logger,
    hostname: command.host,
    mcpPort: command.port,
    ...(command.meshPort === undefined ? {} : { meshPort: command.meshPort }),
    ...(command.allowedHosts ? { allowedHosts: command.allowedHosts } : {}),
    security: meshSecurityFromEnv(process.env, `${role}:${command.instanceId}`),
  };
  const closers: Array<() => Promise<void>> = [];
  let banner: string;
  if (role === 'gateway') {
    const work: WorkQueue = command.redisUrl
      ? createBullmqWorkQueue(workQueueOptionsOf(command, command.redisUrl))
      : createMemoryWorkQueue();
    const extraPeers = mcpServerPeers(command, logger);
    const server = await startGatewayServer({
      ...roleOptions,
      instanceId: command.instanceId,
      peers: command.peers ?? { text: [], media: [], video: [] },
      outDir: command.outDir,
      work,
      // Finish runs whose gateway (another replica, or this one before a restart) died.
      continuation: true,
      ...(extraPeers.length > 0 ? { extraPeers, listTimeoutMs: MCP_SERVERS_LIST_TIMEOUT_MS } : {}),
      ...(command.breakerOpenMs === undefined ? {} : { breakerOpenMs: command.breakerOpenMs }),
    });
    closers.push(
      () => server.close(),
      () => work.close(),
    );
    try {
      for (const line of reportMcpServers(server.gateway, extraPeers, command.failClosed))
        logger.info(line.trim());
    } catch (error) {
      for (const close of closers) await close().catch(() => {});
      await redis?.close();
      throw error;
    }
    if (command.blobSync) {
      // First to close, so no upload is cut short by the server or Redis going away.
      closers.unshift(await startGatewayBlobSync(command.blobSync, ports.state, command.instanceId, logger));
      logger.info(blobSyncBanner(command.blobSync));
    }
    if (command.schedule) {
      await scheduleDailyStories(work, server.pipeline, { pattern: command.schedule, logger });
    }
    banner = `KidsStories gateway server is ready: MCP ${server.node.mcpUrl} mesh ${server.node.meshUrl} bundles ${server.pipeline.options.outDir}`;
  } else {
    let mediaLink: PeerLink | undefined;
    if (role === 'text' && command.mediaUrl) {
      mediaLink = createMeshLink(command.mediaUrl, roleOptions.security);
      const link = mediaLink;
      closers.push(() => link.close());
    }
    const node = createServerNode(role, createToolSets(createProviders()), {
      ...roleOptions,
      ...(mediaLink ? { meshClient: lateMeshClient(() => mediaLink) } : {}),
    });
    await node.start();
    closers.unshift(() => node.close());
    banner = `KidsStories ${role} server is ready: MCP ${node.mcpUrl} mesh ${node.meshUrl}`;
  }
  if (redis) closers.push(() => redis.close());
  process.stdout.write(`${banner}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void (async () => {
      for (const close of closers) await close().catch(() => {});
      process.exit(0);
    })();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
