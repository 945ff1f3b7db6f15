/**
 * `kidsstories-mesh`: the reference mesh's command line.
 *
 *   kidsstories-mesh start [--port 7600] [--host 127.0.0.1] [--redis <url> [--instance-id <id>]]
 *
 * Starts the gateway and the text, media and video nodes on the embedded default (offline providers, in-memory
 * state, no keys, no services) and prints the gateway's MCP URL. With `--redis`, state, lock, events, breaker
 * state and budget live in Redis, so several processes started this way are replicas of one mesh. Stops cleanly
 * on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { createJsonLogger } from '@kidsstories/mesh-core';
import { openRedisPorts } from './redis-ports.js';
import { startReferenceMesh } from './reference-mesh.js';

const USAGE =
  'usage: kidsstories-mesh start [--port <0-65535>] [--host <address>] [--redis <redis://…|rediss://…> [--instance-id <id>]]';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '7600' },
      host: { type: 'string', default: '127.0.0.1' },
      redis: { type: 'string' },
      'instance-id': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command = 'start'] = positionals;
  if (command !== 'start') throw new Error(`unknown command "${command}"\n${USAGE}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  const instanceId = values['instance-id'] ?? `gateway-${process.pid}`;
  const logger = createJsonLogger({ fields: { app: 'reference-mesh', instanceId } });
  const redisUrl = values.redis;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new Error(`--redis must be a redis:// or rediss:// URL, got "${redisUrl}"`);
  }
  const redis =
    redisUrl === undefined ? undefined : await openRedisPorts({ url: redisUrl, instanceId, logger });
  const mesh = await startReferenceMesh({
    gatewayPort: port,
    hostname: values.host ?? '127.0.0.1',
    logger,
    instanceId,
    ...(redis === undefined ? {} : { ports: redis.ports }),
  }).catch(async (error: unknown) => {
    await redis?.close();
    throw error;
  });
  const lines = [
    redis === undefined
      ? 'KidsStories reference mesh is running (offline providers, in-memory state).'
      : `KidsStories reference mesh replica ${instanceId} is running (offline providers, state in Redis).`,
    `Gateway MCP endpoint: ${mesh.gatewayUrl}`,
    ...(['text', 'media', 'video'] as const).map(
      (name) => `  ${name.padEnd(6)} node: MCP ${mesh.nodes[name].mcpUrl}  mesh ${mesh.nodes[name].meshUrl}`,
    ),
    `Metrics: ${new URL('/metrics', mesh.gatewayUrl).href}`,
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void mesh
      .close()
      .then(() => redis?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`kidsstories-mesh: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
