import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { CdnManagementClient } from '@azure/arm-cdn';
import { DefaultAzureCredential } from '@azure/identity';
import { createJsonLogger, MeshError } from '@kidsstories/mesh-core';
import { writeInfraTemplate } from '../infra/write-infra.js';
import { createEventGridReceiver } from '../relay/event-grid-receiver.js';
import { createGitHubDispatcher } from '../relay/github-dispatcher.js';
import { serveEventGridReceiver } from '../relay/serve-receiver.js';
import { releaseSite } from '../release/release-site.js';
import { createContainerClient, resolveBlobConnection } from '../sync/blob-connection.js';
import { publishBundleManifest } from '../sync/publish-manifest.js';
import { syncBundle } from '../sync/sync-bundle.js';
import type { BundleSyncReport } from '../sync/sync-options.js';
import { writePublishSiteWorkflow } from '../workflow/publish-site-workflow.js';
import { type CliCommand, parseCliArgs, USAGE } from './parse-cli-args.js';

/** Exit codes of the CLI. */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the CLI reads and writes; injectable so tests run it in-process. */
export interface CliOptions {
  /** Results (text or JSON). Default `process.stdout`. */
  stdout?: (text: string) => void;
  /** Progress and errors. Default `process.stderr`. */
  stderr?: (text: string) => void;
  /** Environment (connection settings, `LOG_LEVEL`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Stops a running command. */
  signal?: AbortSignal;
}

/**
 * Runs the `azure-deploy` command line and resolves its exit code (see `azure-deploy help`).
 *
 * @example
 * ```ts
 * const code = await runCli(['sync', 'out/stories/2026-12-06/6-8', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const env = options.env ?? process.env;
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    stderr(`azure-deploy: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT_CODES.usage;
  }
  if (command.command === 'help') {
    stdout(`${USAGE}\n`);
    return EXIT_CODES.ok;
  }
  if (command.command === 'receive') return receive(command, env, stdout, stderr, options.signal);
  if (command.command === 'release') return release(command, env, stdout, stderr);
  if (command.command === 'workflow' || command.command === 'infra') {
    try {
      const result =
        command.command === 'infra'
          ? await writeInfraTemplate(command.outDir, { dryRun: command.dryRun })
          : await writePublishSiteWorkflow(command.repoDir, {
              overwrite: command.overwrite,
              dryRun: command.dryRun,
            });
      const would = command.dryRun && result.outcome === 'written' ? 'would be written' : result.outcome;
      stdout(
        command.json
          ? `${JSON.stringify({ ...result, dryRun: command.dryRun })}\n`
          : `${would}: ${result.path}\n`,
      );
      return EXIT_CODES.ok;
    } catch (error) {
      stderr(`azure-deploy ${command.command}: ${MeshError.from(error).message}\n`);
      return EXIT_CODES.failed;
    }
  }
  try {
    const container = createContainerClient(resolveBlobConnection(command.connection, env));
    const signal = options.signal;
    const root = command.root;
    if (command.command === 'manifest') {
      const result = await publishBundleManifest(command.bundleDir, {
        container,
        dryRun: command.dryRun,
        ...(root !== undefined && { root }),
        ...(signal && { signal }),
      });
      if (command.json) stdout(`${JSON.stringify({ dryRun: command.dryRun, ...result }, null, 2)}\n`);
      else if (result.outcome === 'not-written') {
        stdout(`manifest not written: missing or different blobs: ${result.stale.join(', ')}\n`);
      } else {
        stdout(`${command.dryRun ? 'would be ' : ''}${result.outcome}: ${result.blob}\n`);
      }
      return result.outcome === 'not-written' ? EXIT_CODES.failed : EXIT_CODES.ok;
    }
    const logger = createJsonLogger({ write: (line) => stderr(`${line}\n`), level: 'error' });
    const report = await syncBundle(command.bundleDir, {
      container,
      dryRun: command.dryRun,
      logger,
      ...(root !== undefined && { root }),
      ...(command.concurrency !== undefined && { concurrency: command.concurrency }),
      ...(signal && { signal }),
      ...(!command.json && {
        onProgress: (progress) =>
          stderr(`${progress.outcome.padEnd(8)} ${progress.path} (${progress.bytes} B)\n`),
      }),
    });
    stdout(command.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
    return report.failed.length > 0 || report.manifest === 'not-written' ? EXIT_CODES.failed : EXIT_CODES.ok;
  } catch (error) {
    const meshError = MeshError.from(error);
    stderr(`azure-deploy ${command.command}: ${meshError.message}\n`);
    return meshError.code === 'invalid_argument' ? EXIT_CODES.usage : EXIT_CODES.failed;
  }
}

function summary(report: BundleSyncReport): string {
  const would = report.dryRun ? 'would upload' : 'uploaded';
  const lines = [
    `${report.bundleDir} -> ${report.container}/${report.prefix}`,
    `${would} ${report.uploaded.length} file(s), ${report.uploadedBytes} B; skipped ${report.skipped.length} (${report.skippedBytes} B); failed ${report.failed.length} (${report.failedBytes} B)`,
    ...report.failed.map((file) => `  failed ${file.path}: ${file.error}`),
    `manifest: ${report.manifest}${report.manifestError ? ` (${report.manifestError})` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function receive(
  command: Extract<CliCommand, { command: 'receive' }>,
  env: Readonly<Record<string, string | undefined>>,
  stdout: (text: string) => void,
  stderr: (text: string) => void,
  signal: AbortSignal | undefined,
): Promise<number> {
  const logger = createJsonLogger({ write: (line) => stderr(`${line}\n`) });
  try {
    const dispatcher = createGitHubDispatcher({
      repository: command.repository ?? env.GITHUB_REPOSITORY ?? '',
      token: env.GITHUB_TOKEN ?? (command.dryRun ? 'dry-run' : ''),
      ...(env.GITHUB_API_URL && { baseUrl: env.GITHUB_API_URL }),
      onAlert: (alert) => logger.error('relay alert', { ...alert }),
    });
    const server = await serveEventGridReceiver(
      createEventGridReceiver({
        auth: { kind: 'shared-secret', secret: env.RELAY_SECRET ?? '' },
        dispatcher,
        dryRun: command.dryRun,
        logger,
        ...(command.eventType !== undefined && { eventType: command.eventType }),
      }),
      { port: command.port, hostname: command.hostname },
    );
    stdout(command.json ? `${JSON.stringify({ listening: server.url })}\n` : `listening on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      if (!signal || signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return EXIT_CODES.ok;
  } catch (error) {
    const meshError = MeshError.from(error);
    stderr(`azure-deploy receive: ${meshError.message}\n`);
    return meshError.code === 'invalid_argument' ? EXIT_CODES.usage : EXIT_CODES.failed;
  }
}

async function release(
  command: Extract<CliCommand, { command: 'release' }>,
  env: Readonly<Record<string, string | undefined>>,
  stdout: (text: string) => void,
  stderr: (text: string) => void,
): Promise<number> {
  const subscriptionId = command.subscriptionId ?? env.AZURE_SUBSCRIPTION_ID;
  if (!subscriptionId) {
    stderr('azure-deploy release: pass --subscription or set AZURE_SUBSCRIPTION_ID\n');
    return EXIT_CODES.usage;
  }
  const { dryRun, json, subscriptionId: _ignored, ...plan } = command;
  if (dryRun) {
    const steps = [
      `revision ${plan.appName}--${plan.revisionSuffix} running ${plan.image} (skipped if it exists)`,
      'health GET https://<revision fqdn>/healthz (30 checks, 10 s apart)',
      `traffic ${plan.appName}--${plan.revisionSuffix} 0 -> 100% (or roll back to the previous revision)`,
      plan.cdnProfile && plan.cdnEndpoint
        ? `purge ${plan.cdnProfile}/${plan.cdnEndpoint} /*`
        : 'purge skipped (no CDN)',
    ];
    stdout(
      json
        ? `${JSON.stringify({ dryRun: true, subscriptionId, ...plan, steps })}\n`
        : `${steps.join('\n')}\n`,
    );
    return EXIT_CODES.ok;
  }
  try {
    const credential = new DefaultAzureCredential();
    const report = await releaseSite({
      ...plan,
      containerApps: new ContainerAppsAPIClient(credential, subscriptionId),
      cdn: new CdnManagementClient(credential, subscriptionId),
      ...(!json && {
        onProgress: (event) => stderr(`${event.step.padEnd(8)} ${event.status.padEnd(7)} ${event.detail}\n`),
      }),
    });
    stdout(json ? `${JSON.stringify(report, null, 2)}\n` : `${report.outcome}: ${report.revision}\n`);
    return report.outcome === 'released' ? EXIT_CODES.ok : EXIT_CODES.failed;
  } catch (error) {
    stderr(`azure-deploy release: ${MeshError.from(error).message}\n`);
    return EXIT_CODES.failed;
  }
}
