import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { MeshError } from '@kidsstories/mesh-core';
import type { MeshRole } from './mesh-roles.js';

/** Options for {@link startDistributedMesh}. */
export interface DistributedMeshOptions {
  /** The built CLI (`apps/reference-mesh/dist/cli.js`) each server process runs. */
  cliPath: string;
  /** Redis every server shares (state, lock, budget, breakers, work queues). */
  redisUrl: string;
  /** Prefix of every Redis key and queue. Default `kidsstories:`. */
  redisPrefix?: string;
  /** Folder the gateway writes bundles under. */
  outDir: string;
  /** Port of the gateway's MCP endpoint. Default 0 (a free port). */
  gatewayPort?: number;
  /** Address every server listens on. Default `127.0.0.1`. */
  hostname?: string;
  /** Cron pattern (UTC) the gateway makes every age band's story at. Default: no schedule. */
  schedule?: string;
  /**
   * Blob container the gateway uploads each finished bundle to (`--blob-container`); the connection comes from
   * `env` (`AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_ACCOUNT_URL` or `AZURE_STORAGE_SAS_URL`). Default: none.
   */
  blobContainer?: string;
  /**
   * How long the gateway's open breaker for a server refuses calls before it lets a probe through, in
   * milliseconds (`--breaker-open-ms`). Default: the mesh's (60 000).
   */
  breakerOpenMs?: number;
  /** Environment of the server processes. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How long a server may take to start, in milliseconds. Default 60 000. */
  startTimeoutMs?: number;
  /** Called with every line a server writes to stderr (its JSON logs). Default: dropped. */
  onLog?: (role: MeshRole, line: string) => void;
  /** Called when a server process exits unexpectedly and is started again. */
  onRestart?: (role: MeshRole, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Four server processes supervised as a container platform would: one that dies is started again. */
export interface DistributedMesh {
  /** The gateway's MCP endpoint. */
  readonly gatewayUrl: string;
  /** The current process of each server. */
  readonly processes: Readonly<Record<MeshRole, ChildProcess>>;
  /** How often each server was started again. */
  readonly restarts: Readonly<Record<MeshRole, number>>;
  /** Kills one server's process (the supervisor starts it again, on the same ports). */
  kill(role: MeshRole, signal?: NodeJS.Signals): void;
  /** Stops every server (SIGTERM, then SIGKILL after 5 s). */
  close(): Promise<void>;
}

const ROLES: readonly MeshRole[] = ['media', 'video', 'text', 'gateway'];
/** The line each server prints once it listens. */
export const READY_LINE = /^KidsStories (\w+) server is ready/;

/**
 * Runs the reference mesh as four OS processes sharing Redis: the media, video and text servers and the gateway,
 * each `kidsstories-mesh serve --role <role>` on fixed ports, the text server linked to the media server and the
 * gateway to all three. A process that exits unexpectedly is started again with the same arguments, so links
 * reconnect to the same addresses; the pipeline's job retries carry a run across the gap.
 *
 * @throws MeshError `unavailable` when a server does not start within `startTimeoutMs`.
 */
export async function startDistributedMesh(options: DistributedMeshOptions): Promise<DistributedMesh> {
  const hostname = options.hostname ?? '127.0.0.1';
  const ports = {} as Record<MeshRole, { mcp: number; mesh: number }>;
  for (const role of ROLES) {
    ports[role] = {
      mcp: role === 'gateway' && options.gatewayPort ? options.gatewayPort : await freePort(hostname),
      mesh: await freePort(hostname),
    };
  }
  const meshUrl = (role: MeshRole) => `http://${hostname}:${ports[role].mesh}`;
  const argsOf = (role: MeshRole): string[] => [
    options.cliPath,
    'serve',
    '--role',
    role,
    '--redis',
    options.redisUrl,
    '--redis-prefix',
    options.redisPrefix ?? 'kidsstories:',
    '--instance-id',
    `${role}-distributed`,
    '--host',
    hostname,
    '--port',
    String(ports[role].mcp),
    '--mesh-port',
    String(ports[role].mesh),
    ...(role === 'text' ? ['--media-url', meshUrl('media')] : []),
    ...(role === 'gateway'
      ? [
          '--out',
          options.outDir,
          '--peers',
          `text=${meshUrl('text')},media=${meshUrl('media')},video=${meshUrl('video')}`,
          ...(options.schedule ? ['--schedule', options.schedule] : []),
          ...(options.blobContainer ? ['--blob-container', options.blobContainer] : []),
          ...(options.breakerOpenMs === undefined
            ? []
            : ['--breaker-open-ms', String(options.breakerOpenMs)]),
        ]
      : []),
  ];
  const processes = {} as Record<MeshRole, ChildProcess>;
  const restarts = { gateway: 0, text: 0, media: 0, video: 0 } satisfies Record<MeshRole, number>;
  let closing = false;

  const launch = (role: MeshRole): Promise<void> => {
    const child = spawn(process.execPath, argsOf(role), {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    processes[role] = child;
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      options.onLog?.(role, line),
    );
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new MeshError(
              `the ${role} server did not start within ${options.startTimeoutMs ?? 60_000} ms`,
              'unavailable',
            ),
          ),
        options.startTimeoutMs ?? 60_000,
      );
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (READY_LINE.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new MeshError(`the ${role} server exited before it was ready (${signal ?? code})`, 'unavailable'),
        );
      });
    });
    child.once('exit', (code, signal) => {
      if (closing || processes[role] !== child) return;
      restarts[role]++;
      options.onRestart?.(role, code, signal);
      // Started again at once, as a platform restarts a failed container; its ports are the same.
      launch(role).catch(() => {
        // A restart that fails is retried on its own exit.
      });
    });
    return ready;
  };

  const stopAll = async () => {
    closing = true;
    await Promise.all(
      Object.values(processes).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  };

  try {
    // Workers first: the gateway lists their tools when it starts.
    await Promise.all(ROLES.filter((role) => role !== 'gateway').map(launch));
    await launch('gateway');
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    gatewayUrl: `http://${hostname}:${ports.gateway.mcp}/mcp`,
    processes,
    restarts,
    kill(role, signal = 'SIGKILL') {
      processes[role].kill(signal);
    },
    close: stopAll,
  };
}

function freePort(hostname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, hostname, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
