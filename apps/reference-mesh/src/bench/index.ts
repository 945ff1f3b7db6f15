/**
 * `npm run bench`: the KidsStories Mesh benchmarks. Figures are ratios against a baseline measured in the same
 * run, never absolute targets checked by tests.
 *
 *   npm run bench                     # every member, as tables
 *   npm run bench -- --json           # one JSON object on stdout
 *   npm run bench -- --only gateway   # one member (gateway | upstream | redis | offlineStory | site | pipeline | ledger | soak | sizing)
 *   npm run bench -- --quick          # fewer calls, for a smoke run
 *   npm run bench -- --only soak --soak-no-collect   # the soak without its once-a-tenth full collection
 */
import { parseArgs } from 'node:util';

const MEMBERS = [
  'gateway',
  'upstream',
  'redis',
  'offlineStory',
  'site',
  'pipeline',
  'ledger',
  'soak',
  'sizing',
] as const;
type Member = (typeof MEMBERS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      'soak-no-collect': { type: 'boolean', default: false },
    },
  });
  const only = (values.only ?? []) as string[];
  for (const name of only) {
    if (!MEMBERS.includes(name as Member)) {
      throw new Error(`unknown bench member "${name}": choose from ${MEMBERS.join(', ')}`);
    }
  }
  const selected = only.length > 0 ? (only as Member[]) : [...MEMBERS];
  const quick = values.quick ?? false;
  const log = (line: string) => {
    if (!values.json) process.stdout.write(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  };
  const result: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };
  for (const member of selected) {
    log(`# ${member}`);
    try {
      if (member === 'gateway') {
        const { runGatewayBench } = await import('./gateway-bench.js');
        result.gateway = await runGatewayBench(quick ? { requestsPerRound: 300, rounds: 1 } : {});
      } else if (member === 'upstream') {
        const { runUpstreamBench } = await import('./upstream-bench.js');
        result.upstream = await runUpstreamBench(quick ? { requestsPerRound: 300, rounds: 1 } : {});
      } else if (member === 'redis') {
        const { runRedisBench } = await import('./redis-bench.js');
        result.redis = await runRedisBench({
          redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          quick,
        });
      } else if (member === 'pipeline') {
        const { runPipelineBench } = await import('./pipeline-bench.js');
        result.pipeline = await runPipelineBench(quick ? { profileOnly: true, timeScale: 0.05 } : {});
      } else if (member === 'site') {
        result.site = await (await import('./site-bench.js')).runSiteBench(
          quick ? { days: 3, paintRuns: 3 } : {},
        );
      } else if (member === 'ledger') {
        const { runLedgerBench } = await import('./ledger-bench.js');
        result.ledger = await runLedgerBench(
          quick ? { checkpoints: [1_000, 5_000, 20_000], sampleCalls: 500 } : {},
        );
      } else if (member === 'soak') {
        const { runSoakBench } = await import('./soak-bench.js');
        result.soak = await runSoakBench({
          ...(quick ? { calls: 20_000 } : {}),
          ...(values['soak-no-collect'] ? { collectEachTenth: false } : {}),
        });
      } else if (member === 'sizing') {
        const { runSizingBench } = await import('./sizing-bench.js');
        result.sizing = await runSizingBench(quick ? { scopes: 50, count: 1_000, sessions: 100 } : {});
      } else {
        const { runOfflineStoryBench } = await import('./offline-story-bench.js');
        result.offlineStory = await runOfflineStoryBench();
      }
      log(JSON.stringify(result[member], null, 2));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result[member] = { error: message };
      log(`${member} failed: ${message}`);
      process.exitCode = 1;
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
