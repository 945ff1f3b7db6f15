import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's nginx, installed by `.ci/run` (`apt-get install nginx`). */
export const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
/** Debian's MIME types, as the image's nginx.conf includes its own. */
const MIME_TYPES = '/etc/nginx/mime.types';

/** A running nginx serving a folder. */
export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts Debian's nginx in the foreground (one process, as the current user) on a free port, serving `root` with
 * the server settings in `siteConf` included exactly as the image's default.conf includes them.
 *
 * @throws Error naming the missing nginx, or nginx's own output when it does not answer.
 */
export async function runNginx(root: string, siteConf: string): Promise<RunningNginx> {
  await access(NGINX_PATH).catch(() => {
    throw new Error(`no nginx at ${NGINX_PATH}: apt-get install -y nginx (or set NGINX_PATH)`);
  });
  const prefix = await mkdtemp(join(tmpdir(), 'story-site-nginx-'));
  const port = await freePort();
  const config = `daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  include ${MIME_TYPES};
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    include ${siteConf};
  }
}
`;
  await writeFile(join(prefix, 'nginx.conf'), config);
  const output: string[] = [];
  const child: ChildProcess = spawn(NGINX_PATH, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(prefix, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break;
    const answered = await fetch(new URL('healthz', url)).then(
      () => true,
      () => false,
    );
    if (answered) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`nginx did not answer on ${url}: ${output.join('').trim()}`);
}
