import { relative } from 'node:path';
import type { OrchestrateOutput } from '@kidsstories/kidsstories-tools/pipeline';
import { createJsonLogger, type WorkQueue } from '@kidsstories/mesh-core';
import { createBullmqWorkQueue } from '@kidsstories/mesh-redis';
import { userDirectory } from '@kidsstories/story-site';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startDistributedMesh } from '../distributed-mesh.js';
import { meshSecurityFromEnv } from '../mesh-roles.js';
import { openRedisPorts } from '../redis-ports.js';
import { startReferenceMesh } from '../reference-mesh.js';
import { redisPortsOptionsOf, workQueueOptionsOf } from './command-redis.js';
import type { RunCommand } from './parse-command-line.js';
import { createProgressPrinter } from './progress-printer.js';
import { describeSite, type PublishedSite, publishSite, serveSite } from './publish-site.js';
import { CLI_PATH } from './serve-command.js';

/** What `run` prints with `--json`: one entry per age band. */
export interface RunSummary {
  bundles: Array<{
    date: string;
    ageBand: string;
    dir: string;
    reused: boolean;
    title: string;
    pages: number;
    clips: number;
    costUsd: number;
    durationMs: number;
    models: string[];
    steps: Array<{ step: string; durationMs: number; costUsd: number; resumed: boolean }>;
  }>;
  /** The story site built for the bundles (absent with `--no-site`). */
  site?: PublishedSite;
}

const RUN_TIMEOUT_MS = 1_800_000;

/**
 * `kidsstories-mesh run`: starts the four servers in this process (offline providers and in-memory state unless
 * `--redis`), calls the gateway's `orchestrate` tool over MCP for each age band with live progress, and prints where
 * to read the result. Resolves the exit code: 0 when every bundle was made or found, 1 otherwise.
 */
export async function runCommand(
  command: RunCommand,
  write = (text: string) => process.stdout.write(text),
): Promise<number> {
  const mesh = await openMesh(command);
  const printer = createProgressPrinter();
  const summary: RunSummary = { bundles: [] };
  let failed = false;
  const client = new Client({ name: 'kidsstories-mesh-cli', version: '0.1.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(mesh.gatewayUrl), mesh.transportOptions));
    if (!command.json) write(`KidsStories mesh: ${mesh.description}; gateway ${mesh.gatewayUrl}\n`);
    for (const ageBand of command.ageBands) {
      const label = `ages ${ageBand}`;
      const result = await client.callTool(
        {
          name: 'orchestrate',
          arguments: {
            ageBand,
            ...(command.date === undefined ? {} : { date: command.date }),
            ...(command.pages === undefined ? {} : { pages: command.pages }),
            ...(command.clips === undefined ? {} : { clips: command.clips }),
            ...(command.parameters === undefined ? {} : { parameters: command.parameters }),
          },
        },
        {
          timeout: RUN_TIMEOUT_MS,
          resetTimeoutOnProgress: true,
          onprogress: (progress) => printer.update(label, progress),
        },
      );
      printer.done();
      if (result.isError) {
        failed = true;
        const text = result.content.map((block) => (block.type === 'text' ? block.text : '')).join(' ');
        process.stderr.write(`kidsstories-mesh: ${label}: ${text}\n`);
        continue;
      }
      const output = result.structuredContent as OrchestrateOutput;
      summary.bundles.push({
        date: output.date,
        ageBand: output.ageBand,
        dir: output.bundleDir,
        reused: output.reused,
        title: output.title,
        pages: output.pages.length,
        clips: output.pages.filter((page) => page.clip).length,
        costUsd: output.costUsd,
        durationMs: output.durationMs,
        models: [...new Set(output.steps.flatMap((step) => step.models))],
        steps: output.steps.map(({ step, durationMs, costUsd, resumed }) => ({
          step,
          durationMs,
          costUsd,
          resumed,
        })),
      });
      if (!command.json) write(describeBundle(output));
    }
  } finally {
    printer.done();
    await client.close().catch(() => {});
    await mesh.close();
  }
  const first = summary.bundles[0];
  if (command.site && first) {
    if (!command.json) write('Building the story site…\n');
    const site = await publishSite(command.outDir, first);
    summary.site = site;
    if (command.json) {
      write(`${JSON.stringify(summary)}\n`);
    } else if (process.stdout.isTTY) {
      await serveSite(site, write);
    } else {
      write(describeSite(site));
    }
  } else if (command.json) {
    write(`${JSON.stringify(summary)}\n`);
  }
  return failed ? 1 : 0;
}

/** A mesh to run `orchestrate` on: in this process, or four processes with `--distributed`. */
interface OpenMesh {
  gatewayUrl: string;
  description: string;
  /** The bearer token of `MCP_BEARER_TOKEN`, when the mesh requires one. */
  transportOptions?: { requestInit: { headers: Record<string, string> } };
  close(): Promise<void>;
}

async function openMesh(command: RunCommand): Promise<OpenMesh> {
  const logger = createJsonLogger({
    level: 'warn',
    fields: { app: 'reference-mesh', instanceId: command.instanceId },
  });
  const bearer = process.env.MCP_BEARER_TOKEN;
  const transportOptions = bearer
    ? { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }
    : undefined;
  if (command.distributed) {
    const redisUrl = command.redisUrl ?? 'redis://127.0.0.1:6379';
    const mesh = await startDistributedMesh({
      cliPath: CLI_PATH,
      redisUrl,
      redisPrefix: command.redisPrefix,
      outDir: command.outDir,
      onLog: (_role, line) => {
        if (/"level":"(warn|error)"/.test(line)) process.stderr.write(`${line}\n`);
      },
      onRestart: (role, code, signal) =>
        process.stderr.write(
          `kidsstories-mesh: the ${role} server stopped (${signal ?? code}); restarting it\n`,
        ),
    });
    return {
      gatewayUrl: mesh.gatewayUrl,
      description: `4 server processes sharing ${redisUrl} (${Object.entries(mesh.processes)
        .map(([role, child]) => `${role} ${child.pid}`)
        .join(', ')})`,
      ...(transportOptions ? { transportOptions } : {}),
      close: () => mesh.close(),
    };
  }
  const redis = command.redisUrl
    ? await openRedisPorts(redisPortsOptionsOf(command, command.redisUrl, logger))
    : undefined;
  const work: WorkQueue | undefined = command.redisUrl
    ? createBullmqWorkQueue(workQueueOptionsOf(command, command.redisUrl))
    : undefined;
  const mesh = await startReferenceMesh({
    gatewayPort: 0,
    logger,
    instanceId: command.instanceId,
    outDir: command.outDir,
    security: meshSecurityFromEnv(process.env, command.instanceId),
    ...(redis ? { ports: redis.ports } : {}),
    ...(work ? { work } : {}),
  });
  return {
    gatewayUrl: mesh.gatewayUrl,
    description: `4 servers up in this process (${redis ? 'state in Redis' : 'offline providers, in-memory state'})`,
    ...(transportOptions ? { transportOptions } : {}),
    async close() {
      await mesh.close();
      await work?.close();
      await redis?.close();
    },
  };
}

/** The human summary of one bundle. */
export function describeBundle(output: OrchestrateOutput): string {
  const where = relative(userDirectory(), output.bundleDir) || '.';
  const clips = output.pages.filter((page) => page.clip).length;
  const steps = output.steps
    .filter((step) => step.step !== 'bundle')
    .map((step) => `${step.step} ${(step.durationMs / 1000).toFixed(1)} s${step.resumed ? ' (resumed)' : ''}`)
    .join(', ');
  const models = [...new Set(output.steps.flatMap((step) => step.models))].join(', ');
  const narration = output.pages.reduce((sum, page) => sum + page.narration.durationSec, 0);
  return [
    output.reused
      ? `Found "${output.title}" (${output.date}, ages ${output.ageBand}): already made, nothing written.`
      : `Made "${output.title}" (${output.date}, ages ${output.ageBand}) in ${(output.durationMs / 1000).toFixed(1)} s.`,
    `  bundle  ${where}`,
    `  pages   ${output.pages.length} pictures, ${output.pages.length} narrations (${narration.toFixed(0)} s), ${clips} clips`,
    `  steps   ${steps}`,
    `  models  ${models}`,
    `  cost    ${output.costUsd} USD`,
    `  open    ${where}/story-manifest.json; pictures and narration in ${where}/pages, clips in ${where}/clips`,
    '',
  ].join('\n');
}
