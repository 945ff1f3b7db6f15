import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine } from '../src/cli/parse-command-line.js';

const read = (name: string) => readFile(new URL(`../${name}`, import.meta.url), 'utf8');

interface ComposeService {
  build?: { args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, unknown>;
}

/** The argv the image's CMD runs for `env`: the `sh -c` string with the variables the Dockerfile sets expanded. */
function commandOf(dockerfile: string, env: Record<string, string>): string[] {
  const cmd = /^CMD \["sh", "-c", "exec (.*)"\]$/m.exec(dockerfile)?.[1];
  expect(cmd, 'the Dockerfile ends with CMD ["sh", "-c", "exec …"]').toBeDefined();
  const expanded = (cmd as string)
    .replaceAll('\\"', '"')
    .replace(/\$\(hostname\)/g, 'container-1')
    .replace(/\$(\w+)/g, (_, name: string) => env[name] ?? '');
  return [...expanded.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
}

describe('the container image and the compose file', () => {
  it('run each role with the command line the tests run as processes', async () => {
    const dockerfile = await read('Dockerfile');
    const compose = parse(await read('compose.yaml')) as { services: Record<string, ComposeService> };
    const defaults = Object.fromEntries(
      [...dockerfile.matchAll(/^\s+(PORT|MESH_PORT|REDIS_URL)=(\S+)/gm)].map((match) => [match[1], match[2]]),
    ) as Record<string, string>;
    expect(defaults).toEqual({ PORT: '7600', MESH_PORT: '7070', REDIS_URL: 'redis://redis:6379' });
    for (const role of ['gateway', 'text', 'media', 'video'] as const) {
      const service = compose.services[role] as ComposeService;
      expect(service.build?.args?.ROLE).toBe(role);
      const env = { ...defaults, ...service.environment, MESH_SECRET: 'x'.repeat(32) } as Record<
        string,
        string
      >;
      const [node, cli, ...args] = commandOf(dockerfile, env);
      expect([node, cli]).toEqual(['node', 'apps/reference-mesh/dist/cli.js']);
      const command = parseCommandLine(args, env);
      expect(command).toMatchObject({
        command: 'serve',
        role,
        host: '0.0.0.0',
        port: 7600,
        meshPort: 7070,
        redisUrl: 'redis://redis:6379',
        outDir: '/data/out',
      });
      if (role === 'gateway') {
        expect(command).toMatchObject({
          peers: { text: ['http://text:7070'], media: ['http://media:7070'], video: ['http://video:7070'] },
          allowedHosts: ['localhost', 'gateway'],
        });
        expect(service.ports).toEqual(['7600:7600']);
        expect(Object.keys(service.depends_on ?? {}).sort()).toEqual(['media', 'redis', 'text', 'video']);
      }
      if (role === 'text') expect(command).toMatchObject({ mediaUrl: 'http://media:7070' });
    }
    expect(compose.services.redis).toBeDefined();
  });
});
