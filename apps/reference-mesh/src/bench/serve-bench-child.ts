// The child side of a benchmark's child process (see bench-child.ts for the parent side).
import type { MeshNode } from '@kidsstories/mesh-core';

const MB = 1024 * 1024;

/**
 * The answer to a `memory` question: RSS and the V8 heap as they are, then the heap a full collection leaves
 * (`retainedHeapMb`, when the process runs with `--expose-gc`), which tells garbage waiting for the collector from
 * memory the process holds on to.
 */
function memoryFigures(): BenchChildMemory {
  const before = process.memoryUsage();
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const after = collect ? process.memoryUsage() : undefined;
  return {
    rssMb: before.rss / MB,
    heapUsedMb: before.heapUsed / MB,
    heapTotalMb: before.heapTotal / MB,
    externalMb: before.external / MB,
    ...(after ? { retainedHeapMb: after.heapUsed / MB } : {}),
  };
}

/** What a bench child answers to `memory`, in MB. */
export interface BenchChildMemory {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** `heapUsed` after a full collection; only when the child runs with `--expose-gc`. */
  retainedHeapMb?: number;
}

/**
 * Starts the node `create` makes, prints the ready line `{ "mcpUrl": …, "meshUrl": … }` (the mesh URL only when
 * `announceMeshUrl`), answers `rss`, `memory` and `cpu` IPC messages, and closes the node when the parent disconnects. A
 * failure is printed on stderr and exits with 1.
 */
export function serveBenchChild(create: () => Promise<{ node: MeshNode; announceMeshUrl: boolean }>): void {
  const run = async () => {
    const { node, announceMeshUrl } = await create();
    await node.start();
    process.on('message', (message) => {
      if (message === 'rss') process.send?.({ rssMb: process.memoryUsage().rss / 1024 / 1024 });
      if (message === 'memory') process.send?.(memoryFigures());
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
