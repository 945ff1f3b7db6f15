import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/**
 * The files that take a minute or more (whole story runs through the mesh, child processes, the conformance
 * suite), slowest first. They start first, so that none of them begins last and tails the run while the other
 * worker has nothing left to do. A file missing from this list only loses its head start.
 */
const SLOW_FILES_FIRST = [
  'apps/reference-mesh/test/chaos.test.ts',
  'apps/reference-mesh/test/fuzz-tools.test.ts',
  'apps/reference-mesh/test/distributed.test.ts',
  'apps/reference-mesh/test/failure-matrix.test.ts',
  'apps/reference-mesh/test/pipeline.test.ts',
  'packages/mesh-core/test/conformance/conformance.test.ts',
  'packages/mesh-redis/test/redis-lock-multiprocess.test.ts',
  'packages/kidsstories-tools/test/parameters/video-parameters.test.ts',
];

/** Vitest's own order (failed first, then longest first from its cache), with {@link SLOW_FILES_FIRST} ahead. */
class SlowFilesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = SLOW_FILES_FIRST.indexOf(relative(ROOT, file.moduleId).replaceAll('\\', '/'));
      return index === -1 ? SLOW_FILES_FIRST.length : index;
    };
    return sorted
      .map((file, order) => ({ file, order, rank: rank(file) }))
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    // Vitest's default is the cores less one: on a 2-core machine one worker, and the files would run one after
    // another although many of them wait on sockets, child processes and Redis more than on the CPU. At least two
    // (`--maxWorkers` on the command line overrides it).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowFilesFirstSequencer },
  },
});
