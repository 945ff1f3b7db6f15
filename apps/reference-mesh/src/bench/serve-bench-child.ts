// The child side of a benchmark's child process (see bench-child.ts for the parent side).
import type { MeshNode } from '@kidsstories/mesh-core';

/**
 * Starts the node `create` makes, prints the ready line `{ "mcpUrl": …, "meshUrl": … }` (the mesh URL only when
 * `announceMeshUrl`), answers `rss` and `cpu` IPC messages, and closes the node when the parent disconnects. A
 * failure is printed on stderr and exits with 1.
 */
export function serveBenchChild(create: () => Promise<{ node: MeshNode; announceMeshUrl: boolean }>): void {
  const run = async () => {
    const { node, announceMeshUrl } = await create();
    await node.start();
    process.on('message', (message) => {
      if (message === 'rss') process.send?.({ rssMb: process.memoryUsage().rss / 1024 / 1024 });
      if (message === 'cpu') {
        const { user, system } = process.cpuUsage();
        process.send?.({ cpuUs: user + system });
      }
    });
    process.on('disconnect', () => {
      void node.close().finally(() => process.exit(0));
    });
    process.stdout.write(
      `${JSON.stringify({ mcpUrl: node.mcpUrl, meshUrl: announceMeshUrl ? node.meshUrl : undefined })}\n`,
    );
  };
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
