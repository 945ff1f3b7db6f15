import { describe, expect, it } from 'vitest';
import { thrownMeshError } from '../testing/index.js';
import { peersFromMcpServersConfig } from './mcp-servers-config.js';

describe('peersFromMcpServersConfig', () => {
  it('turns the desktop clients’ format into one peer per server', () => {
    const peers = peersFromMcpServersConfig(
      {
        mcpServers: {
          everything: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-everything'],
            env: { A: 'b' },
          },
          remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer t' } },
          legacy: { type: 'sse', url: 'http://127.0.0.1:3001/sse' },
          vscode: { type: 'http', url: 'http://127.0.0.1:3002/mcp' },
          'my.server v2': {
            type: 'stdio',
            command: 'node',
            args: ['server.js'],
            cwd: '/srv',
            autoApprove: [],
          },
          off: { command: 'never', disabled: true },
        },
      },
      { link: { defaultTimeoutMs: 5_000 }, policy: { retry: { maxAttempts: 2 } } },
    );
    expect(peers.map((peer) => peer.name)).toEqual([
      'everything',
      'remote',
      'legacy',
      'vscode',
      'my_server_v2',
    ]);
    expect(peers[0]).toEqual({
      name: 'everything',
      replicas: [
        {
          mcp: {
            defaultTimeoutMs: 5_000,
            name: 'everything',
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-everything'],
            env: { A: 'b' },
          },
        },
      ],
      policy: { retry: { maxAttempts: 2 } },
    });
    expect(peers.map((peer) => (peer.replicas[0] as { mcp: { protocol?: string } }).mcp.protocol)).toEqual([
      undefined,
      'auto',
      'sse',
      'streamable-http',
      undefined,
    ]);
  });

  it('accepts VS Code’s top-level "servers"', () => {
    expect(peersFromMcpServersConfig({ servers: { a: { command: 'x' } } }).map((peer) => peer.name)).toEqual([
      'a',
    ]);
  });

  it('names the entry and the field of bad config', () => {
    const cases: Array<[unknown, string]> = [
      [{ mcpServers: { gh: { url: 'ftp://x' } } }, 'mcpServers.gh.url'],
      [{ mcpServers: { gh: { command: 'x', args: 'not-an-array' } } }, 'mcpServers.gh.args'],
      [{ mcpServers: { gh: { command: 'x', env: { TOKEN: 42 } } } }, 'mcpServers.gh.env.TOKEN'],
      [{ mcpServers: { gh: { type: 'websocket', url: 'http://x' } } }, 'mcpServers.gh.type'],
      [{ mcpServers: { gh: { type: 'stdio' } } }, 'mcpServers.gh.command'],
      [{ mcpServers: { gh: {} } }, 'mcpServers.gh.command'],
      [{ mcpServers: { gh: { type: 'http' } } }, 'mcpServers.gh.url'],
      [{ mcpServers: { gh: { command: 'x', url: 'http://x' } } }, 'mcpServers.gh.command'],
      [{ mcpServers: { gh: 'npx server' } }, 'mcpServers.gh'],
      [{ mcpServers: { 'a.b': { command: 'x' }, a_b: { command: 'y' } } }, 'mcpServers.a_b'],
      [{ nothing: {} }, 'mcpServers'],
      [[1, 2], 'mcpServers'],
    ];
    for (const [config, field] of cases) {
      const failure = thrownMeshError(() => peersFromMcpServersConfig(config));
      expect(failure.code).toBe('invalid_argument');
      expect(failure.details.field, JSON.stringify(config)).toBe(field);
      expect(failure.message).toContain(field);
    }
  });
});
