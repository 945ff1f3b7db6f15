import { parseArgs } from 'node:util';
import { MeshError } from '@kidsstories/mesh-core';
import type { SiteReleaseOptions } from '../release/release-site.js';
import type { BlobConnectionSettings } from '../sync/blob-connection.js';

/** Flags every command takes. */
export interface CommonFlags {
  /** Print what would happen; change nothing. */
  dryRun: boolean;
  /** Print one JSON object on stdout instead of text. */
  json: boolean;
}

/** A parsed command line. */
export type CliCommand =
  | { command: 'help' }
  | ({ command: 'sync'; bundleDir: string; concurrency?: number; root?: string } & CommonFlags & {
        connection: BlobConnectionSettings;
      })
  | ({ command: 'manifest'; bundleDir: string; root?: string } & CommonFlags & {
        connection: BlobConnectionSettings;
      })
  | ({
      command: 'receive';
      port: number;
      hostname: string;
      /** `owner/name`; else `GITHUB_REPOSITORY`. */
      repository?: string;
      eventType?: string;
    } & CommonFlags)
  | ({ command: 'workflow'; repoDir: string; overwrite: boolean } & CommonFlags)
  | ({ command: 'infra'; outDir: string } & CommonFlags)
  | ({ command: 'release'; subscriptionId?: string } & ReleasePlan & CommonFlags);

/** The release's own settings, as `releaseSite` takes them. */
type ReleasePlan = Pick<
  SiteReleaseOptions,
  'resourceGroup' | 'appName' | 'image' | 'revisionSuffix' | 'cdnProfile' | 'cdnEndpoint'
>;

/** Usage text printed by `help` and after a usage error. */
export const USAGE = `Usage:
  azure-deploy sync <bundle-dir> [connection] [--root PREFIX] [--concurrency N] [--dry-run] [--json]
      Uploads one story bundle (out/stories/{date}/{ageBand}) to Blob Storage under stories/{date}/{ageBand}/:
      files whose blob already holds the same SHA-256 are skipped; story-manifest.json is rebuilt from the
      blobs and uploaded last. Prints uploaded, skipped and failed files with bytes.
  azure-deploy manifest <bundle-dir> [connection] [--root PREFIX] [--dry-run] [--json]
      Rebuilds the bundle's story-manifest.json from the blobs already uploaded and uploads it (only when every
      file it names is in place); uploads nothing else.
  azure-deploy receive [--port N] [--host ADDRESS] [--repository OWNER/NAME] [--event-type T] [--dry-run]
      Runs the Event Grid receiver (BlobCreated, Event Grid or CloudEvents schema) on http://ADDRESS:N/ (default
      0.0.0.0:8080; GET /healthz for probes) and dispatches the site workflow with repository_dispatch when a
      story-manifest.json lands. Needs RELAY_SECRET (>= 16 characters; the subscription sends it as the
      x-relay-secret header or ?code=) and GITHUB_TOKEN; GITHUB_REPOSITORY and GITHUB_API_URL are read too.
      --dry-run answers Event Grid but only logs the dispatches it would make.
  azure-deploy workflow [<repo-dir>] [--overwrite] [--dry-run] [--json]
      Writes the publish-site GitHub Actions workflow into .github/workflows/publish-site.yml of the repository
      (default: the current folder); refuses to replace a different file without --overwrite.
  azure-deploy infra [<out-dir>] [--dry-run] [--json]
      Writes the ARM template of the whole Azure environment (azuredeploy.json) into the folder (default: the
      current one); deploy it with az deployment group create (see docs/guides/deploy-to-azure.md).
  azure-deploy release --resource-group RG --app NAME --image IMAGE --revision-suffix S
                       [--subscription ID] [--cdn-profile P --cdn-endpoint E] [--dry-run] [--json]
      The publish-site workflow's release without GitHub Actions: creates the revision running IMAGE, checks
      /healthz on it, shifts traffic 0 -> 100% and purges the CDN, or rolls back when the check fails. Each step is
      skipped when already done, so rerunning with the same suffix resumes. Signs in with DefaultAzureCredential;
      the subscription defaults to AZURE_SUBSCRIPTION_ID. --dry-run prints the plan without calling Azure.
  azure-deploy help | --help

Connection (the first that is set wins):
  --sas-url URL               a container URL with a SAS token (or AZURE_STORAGE_SAS_URL)
  --account-url URL           https://<account>.blob.core.windows.net with Entra ID (DefaultAzureCredential:
                              managed identity, workload identity, az login) (or AZURE_STORAGE_ACCOUNT_URL)
  --connection-string TEXT    an account connection string (or AZURE_STORAGE_CONNECTION_STRING)
  --container NAME            the container (or AZURE_STORAGE_CONTAINER; default "stories"); created when missing

Exit codes: 0 success, 1 some files failed or are missing, 2 a usage error.`;

const usageError = (message: string, field: string) =>
  new MeshError(message, 'invalid_argument', { details: { field } });

/** Parsed flags: every command also takes `--dry-run` and `--json`. */
interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** `parseArgs` in strict mode with `--dry-run` and `--json` added; a bad flag is a usage error. */
function parseFlags(
  args: string[],
  options: Record<string, { type: 'string' | 'boolean' }>,
  allowPositionals = false,
): ParsedFlags {
  try {
    return parseArgs({
      args,
      allowPositionals,
      strict: true,
      options: { ...options, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    });
  } catch (error) {
    throw usageError((error as Error).message, 'flags');
  }
}

/**
 * Parses the command line (without `node` and the script path).
 *
 * @throws MeshError `invalid_argument` naming the unknown command, flag or bad value.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help' };
  }
  if (command === 'receive') return parseReceive(rest);
  if (command === 'release') return parseRelease(rest);
  if (command === 'workflow' || command === 'infra') return parseWorkflowCommand(command, rest);
  if (command !== 'sync' && command !== 'manifest') {
    throw usageError(`unknown command "${command}"; see azure-deploy help`, 'command');
  }
  const { values, positionals } = parseFlags(
    rest,
    {
      'connection-string': { type: 'string' },
      'account-url': { type: 'string' },
      'sas-url': { type: 'string' },
      container: { type: 'string' },
      root: { type: 'string' },
      concurrency: { type: 'string' },
    },
    true,
  );
  const text = (flag: string) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const bundleDir = positionals[0];
  if (bundleDir === undefined || positionals.length > 1) {
    throw usageError(`${command} takes one bundle folder, such as out/stories/2026-12-06/6-8`, 'bundleDir');
  }
  const [connectionString, accountUrl, sasUrl, containerName, root] = [
    'connection-string',
    'account-url',
    'sas-url',
    'container',
    'root',
  ].map(text);
  const connection: BlobConnectionSettings = {
    ...(connectionString !== undefined && { connectionString }),
    ...(accountUrl !== undefined && { accountUrl }),
    ...(sasUrl !== undefined && { sasUrl }),
    ...(containerName !== undefined && { containerName }),
  };
  const common = {
    bundleDir,
    connection,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    ...(root !== undefined && { root }),
  };
  if (command === 'manifest') {
    if (values.concurrency !== undefined) throw usageError('manifest takes no --concurrency', 'concurrency');
    return { command, ...common };
  }
  if (values.concurrency === undefined) return { command, ...common };
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw usageError(
      `--concurrency must be a whole number from 1 to 64, not "${values.concurrency}"`,
      'concurrency',
    );
  }
  return { command, ...common, concurrency };
}

function parseReceive(args: string[]): CliCommand {
  const { values } = parseFlags(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    repository: { type: 'string' },
    'event-type': { type: 'string' },
  });
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw usageError(`--port must be a port number, not "${values.port}"`, 'port');
  }
  return {
    command: 'receive',
    port,
    hostname: (values.host as string | undefined) ?? '0.0.0.0',
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    ...(typeof values.repository === 'string' && { repository: values.repository }),
    ...(typeof values['event-type'] === 'string' && { eventType: values['event-type'] }),
  };
}

function parseWorkflowCommand(command: 'workflow' | 'infra', args: string[]): CliCommand {
  const parsed = parseFlags(args, { overwrite: { type: 'boolean' } }, true);
  if (parsed.positionals.length > 1) throw usageError(`${command} takes at most one folder`, 'dir');
  const common = { dryRun: parsed.values['dry-run'] === true, json: parsed.values.json === true };
  if (command === 'infra') {
    if (parsed.values.overwrite !== undefined) throw usageError('infra takes no --overwrite', 'overwrite');
    return { command, outDir: parsed.positionals[0] ?? '.', ...common };
  }
  return {
    command,
    repoDir: parsed.positionals[0] ?? '.',
    overwrite: parsed.values.overwrite === true,
    ...common,
  };
}

function parseRelease(args: string[]): CliCommand {
  const { values } = parseFlags(args, {
    subscription: { type: 'string' },
    'resource-group': { type: 'string' },
    app: { type: 'string' },
    image: { type: 'string' },
    'revision-suffix': { type: 'string' },
    'cdn-profile': { type: 'string' },
    'cdn-endpoint': { type: 'string' },
  });
  const required = (flag: string): string => {
    const value = values[flag];
    if (typeof value !== 'string' || value === '') throw usageError(`release needs --${flag}`, flag);
    return value;
  };
  const optional = (flag: string) =>
    typeof values[flag] === 'string' ? (values[flag] as string) : undefined;
  const suffix = required('revision-suffix');
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(suffix)) {
    throw usageError(
      '--revision-suffix must be lowercase letters, digits and dashes, starting with a letter',
      'revision-suffix',
    );
  }
  const subscriptionId = optional('subscription');
  const cdnProfile = optional('cdn-profile');
  const cdnEndpoint = optional('cdn-endpoint');
  return {
    command: 'release',
    resourceGroup: required('resource-group'),
    appName: required('app'),
    image: required('image'),
    revisionSuffix: suffix,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    ...(subscriptionId !== undefined && { subscriptionId }),
    ...(cdnProfile !== undefined && { cdnProfile }),
    ...(cdnEndpoint !== undefined && { cdnEndpoint }),
  };
}
