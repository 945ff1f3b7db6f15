import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { MeshError } from '@kidsstories/mesh-core';

/** Options of {@link previewSite}. */
export interface PreviewSiteOptions {
  /** The built site (the `outDir` of `buildSite`). */
  dir: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (this machine only). */
  host?: string;
}

/** A running preview server. */
export interface PreviewSite {
  /** `http://host:port/`, the home page. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.woff2': 'font/woff2',
};

async function fileFor(root: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const candidate = normalize(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return undefined;
  const found = await stat(candidate).catch(() => undefined);
  if (found?.isFile()) return candidate;
  if (found?.isDirectory()) {
    const index = join(candidate, 'index.html');
    if ((await stat(index).catch(() => undefined))?.isFile()) return index;
  }
  return undefined;
}

/**
 * Serves a built site on localhost for a look in a browser: static files, `index.html` for folders, the site's
 * `404.html` for anything else, and the range requests audio and video players make. For local use; production
 * serves the same files with nginx (deploy/nginx.conf).
 *
 * @throws MeshError `not_found` when `dir` holds no `index.html`.
 * @example
 * ```ts
 * const preview = await previewSite({ dir: 'out/site', port: 4173 });
 * console.log(`open ${preview.url}`);
 * await preview.close();
 * ```
 */
export async function previewSite(options: PreviewSiteOptions): Promise<PreviewSite> {
  const root = resolve(options.dir);
  if (!(await stat(join(root, 'index.html')).catch(() => undefined))?.isFile()) {
    throw new MeshError(`no site to preview in ${root}: index.html is missing`, 'not_found', {
      details: { dir: root },
    });
  }
  const server: Server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://preview').pathname;
    void (async () => {
      const file = await fileFor(root, pathname);
      const status = file ? 200 : 404;
      const served = file ?? (await fileFor(root, '/404.html'));
      if (!served) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
        return;
      }
      const { size } = await stat(served);
      const type = CONTENT_TYPES[extname(served)] ?? 'application/octet-stream';
      const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
      if (status === 200 && range && (range[1] || range[2])) {
        const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
        const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        if (start >= size || start > end) {
          response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
          return;
        }
        response.writeHead(206, {
          'content-type': type,
          'content-length': end - start + 1,
          'content-range': `bytes ${start}-${end}/${size}`,
          'accept-ranges': 'bytes',
        });
        createReadStream(served, { start, end }).pipe(response);
        return;
      }
      response.writeHead(status, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
      if (request.method === 'HEAD') response.end();
      else createReadStream(served).pipe(response);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
