import { KIDSSTORIES_PRICE_TABLE } from '@kidsstories/kidsstories-tools';
import {
  createJsonLogger,
  createMemoryCostLedger,
  createMemoryEventBus,
  createMemoryLock,
  createMemoryStateStore,
  createMemoryWorkQueue,
  type GatewayPorts,
  type WorkQueue,
} from '@kidsstories/mesh-core';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import { type DistributedMesh, startDistributedMesh } from '../distributed-mesh.js';
import { meshSecurityFromEnv } from '../mesh-roles.js';
import { openRedisPorts } from '../redis-ports.js';
import { startReferenceMesh } from '../reference-mesh.js';
import { blobSyncBanner, startGatewayBlobSync } from './blob-sync.js';
import { redisPortsOptionsOf, workQueueOptionsOf } from './command-redis.js';
import { scheduleDailyStories } from './daily-schedule.js';
import { MCP_SERVERS_LIST_TIMEOUT_MS, mcpServerPeers, reportMcpServers } from './mcp-servers.js';
import type { ServeCommand } from './parse-command-line.js';
import { serveRole } from './role-command.js';

/**
 * `kidsstories-mesh serve`: starts the four servers and keeps them up; any MCP client can call `orchestrate` (and
 * every other tool) on the gateway, whose pipeline continuation finishes runs whose gateway died. With `--schedule`, every age band's story is made at each tick of the cron
 * pattern (UTC): on BullMQ's job scheduler with `--redis` (one tick's job however many replicas declare it, and
 * one bundle per date and age band thanks to the generation lock), with croner in memory otherwise.
 * Resolves once the mesh is up; stops on SIGINT/SIGTERM.
 */
export async function serveCommand(command: ServeCommand): Promise<void> {
  if (command.role) return serveRole({ ...command, role: command.role });
  if (command.distributed) return serveDistributed(command);
  const logger = createJsonLogger({ fields: { app: 'reference-mesh', instanceId: command.instanceId } });
  const redis = command.redisUrl
    ? await openRedisPorts(redisPortsOptionsOf(command, command.redisUrl, logger))
    : undefined;
  const work: WorkQueue = command.redisUrl
    ? createBullmqWorkQueue(workQueueOptionsOf(command, command.redisUrl))
    : createMemoryWorkQueue();
  // The mesh's ports, made here so the cloud sync reads the stream the pipeline appends bundle.complete to.
  const ports: GatewayPorts = redis?.ports ?? {
    state: createMemoryStateStore(),
    lock: createMemoryLock({ instanceId: command.instanceId }),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger({ prices: KIDSSTORIES_PRICE_TABLE }),
  };
  const extraPeers = mcpServerPeers(command, logger);
  const mesh = await startReferenceMesh({
    gatewayPort: command.port,
    hostname: command.host,
    logger,
    instanceId: command.instanceId,
    outDir: command.outDir,
    work,
    // Finish runs whose gateway (another replica, or this one before a restart) died.
    continuation: true,
    security: meshSecurityFromEnv(process.env, command.instanceId),
    ports,
    ...(extraPeers.length > 0 ? { extraPeers, listTimeoutMs: MCP_SERVERS_LIST_TIMEOUT_MS } : {}),
    ...(command.breakerOpenMs === undefined ? {} : { breakerOpenMs: command.breakerOpenMs }),
  }).catch(async (error: unknown) => {
    await work.close();
    await redis?.close();
    throw error;
  });
  let mcpLines: string[];
  try {
    mcpLines = reportMcpServers(mesh.gateway, extraPeers, command.failClosed);
  } catch (error) {
    await mesh.close();
    await work.close();
    await redis?.close();
    throw error;
  }
  const closeSync = command.blobSync
    ? await startGatewayBlobSync(command.blobSync, ports.state, command.instanceId, logger)
    : undefined;
  if (command.schedule) {
    await scheduleDailyStories(work, mesh.pipeline, { pattern: command.schedule, logger });
  }
  const lines = [
    redis === undefined
      ? 'KidsStories reference mesh is running (offline providers, in-memory state).'
      : `KidsStories reference mesh replica ${command.instanceId} is running (offline providers, state in Redis).`,
    `Gateway MCP endpoint: ${mesh.gatewayUrl} (call orchestrate { "ageBand": "6-8" } to make a story)`,
    ...(['text', 'media', 'video'] as const).map(
      (name) => `  ${name.padEnd(6)} node: MCP ${mesh.nodes[name].mcpUrl}  mesh ${mesh.nodes[name].meshUrl}`,
    ),
    ...(mcpLines.length > 0
      ? [`MCP servers (${command.mcpServers?.file}), behind the gateway:`, ...mcpLines]
      : []),
    `Bundles: ${mesh.pipeline.options.outDir}`,
    ...(command.schedule ? [`Schedule: every age band at "${command.schedule}" (UTC)`] : []),
    ...(command.blobSync ? [blobSyncBanner(command.blobSync)] : []),
    `Metrics: ${new URL('/metrics', mesh.gatewayUrl).href}`,
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void (closeSync ?? (async () => {}))()
      .then(() => mesh.close())
      .then(() => work.close())
      .then(() => redis?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** The path of the running CLI (the built `dist/cli.js`), for the server processes of `--distributed`. */
export const CLI_PATH = process.argv[1] ?? '';

/** `serve --distributed`: the four servers as supervised processes sharing Redis. */
async function serveDistributed(command: ServeCommand): Promise<void> {
  const logger = createJsonLogger({ fields: { app: 'reference-mesh', instanceId: command.instanceId } });
  const mesh: DistributedMesh = await startDistributedMesh({
    cliPath: CLI_PATH,
    redisUrl: command.redisUrl ?? 'redis://127.0.0.1:6379',
    redisPrefix: command.redisPrefix,
    outDir: command.outDir,
    gatewayPort: command.port,
    hostname: command.host,
    ...(command.schedule ? { schedule: command.schedule } : {}),
    ...(command.blobSync ? { blobContainer: containerArgOf(command.blobSync) } : {}),
    ...(command.breakerOpenMs === undefined ? {} : { breakerOpenMs: command.breakerOpenMs }),
    onLog: (_role, line) => process.stderr.write(`${line}\n`),
    onRestart: (role, code, signal) => logger.warn('server process restarted', { role, code, signal }),
  });
  process.stdout.write(
    `KidsStories reference mesh is running as four processes sharing ${command.redisUrl}.\n` +
      `Gateway MCP endpoint: ${mesh.gatewayUrl} (call orchestrate { "ageBand": "6-8" } to make a story)\n` +
      `Processes: ${Object.entries(mesh.processes)
        .map(([role, child]) => `${role} ${child.pid}`)
        .join(', ')}\nPress Ctrl+C to stop.\n`,
  );
  const stop = () => void mesh.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The `--blob-container` the gateway process of `--distributed` gets (it reads the connection from the same env). */
function containerArgOf(connection: NonNullable<ServeCommand['blobSync']>): string {
  return connection.kind === 'sas-url'
    ? new URL(connection.containerUrl).pathname.slice(1)
    : (connection.containerName ?? 'stories');
}
