/**
 * `kidsstories-mesh`: the reference mesh's command line.
 *
 *   kidsstories-mesh start [--port 7600] [--host 127.0.0.1]
 *
 * Starts the gateway and the text, media and video nodes on the embedded default (offline providers, in-memory
 * state, no keys, no services) and prints the gateway's MCP URL. Stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { createJsonLogger } from '@kidsstories/mesh-core';
import { startReferenceMesh } from './reference-mesh.js';

const USAGE = 'usage: kidsstories-mesh start [--port <0-65535>] [--host <address>]';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '7600' },
      host: { type: 'string', default: '127.0.0.1' },
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
  const logger = createJsonLogger({ fields: { app: 'reference-mesh' } });
  const mesh = await startReferenceMesh({ gatewayPort: port, hostname: values.host ?? '127.0.0.1', logger });
  const lines = [
    'KidsStories reference mesh is running (offline providers, in-memory state).',
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
    void mesh.close().then(
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
