import { MeshError } from '@kidsstories/mesh-core';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './parse-cli-args.js';

function usageError(argv: string[]): MeshError {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(MeshError.isInstance(error)).toBe(true);
    expect((error as MeshError).code).toBe('invalid_argument');
    return error as MeshError;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCliArgs', () => {
  it('parses call with JSON args, an output directory and a timeout', () => {
    expect(
      parseCliArgs([
        'call',
        'generate_story',
        '--args',
        '{"page_count":4}',
        '--out',
        'out',
        '--timeout-ms',
        '5000',
      ]),
    ).toEqual({
      command: 'call',
      tool: 'generate_story',
      args: { page_count: 4 },
      outDir: 'out',
      timeoutMs: 5000,
    });
    expect(parseCliArgs(['call', 'embed_content', '--args={"texts":["a"]}'])).toEqual({
      command: 'call',
      tool: 'embed_content',
      args: { texts: ['a'] },
    });
    expect(parseCliArgs(['call', 'select_model'])).toEqual({
      command: 'call',
      tool: 'select_model',
      args: {},
    });
  });

  it('parses serve over stdio (the default) and over HTTP', () => {
    expect(parseCliArgs(['serve', 'text'])).toEqual({
      command: 'serve',
      server: 'text',
      transport: { kind: 'stdio' },
    });
    expect(parseCliArgs(['serve', 'media', '--stdio'])).toEqual({
      command: 'serve',
      server: 'media',
      transport: { kind: 'stdio' },
    });
    expect(parseCliArgs(['serve', 'video', '--port', '0', '--host', '0.0.0.0'])).toEqual({
      command: 'serve',
      server: 'video',
      transport: { kind: 'http', port: 0, hostname: '0.0.0.0' },
    });
  });

  it('parses help, version and list', () => {
    expect(parseCliArgs([])).toEqual({ command: 'help' });
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseCliArgs(['--version'])).toEqual({ command: 'version' });
    expect(parseCliArgs(['list'])).toEqual({ command: 'list' });
  });

  it('names the problem in every usage error', () => {
    expect(usageError(['call', 'x', '--args', '{page_count: 4}']).message).toMatch(
      /--args is not valid JSON/,
    );
    expect(usageError(['call', 'x', '--args', '[1,2]']).details.field).toBe('args');
    expect(usageError(['call', 'x', '--frobnicate']).message).toContain('--frobnicate');
    expect(usageError(['call', 'x', '--out']).details.field).toBe('out');
    expect(usageError(['call']).details.field).toBe('tool');
    expect(usageError(['call', 'a', 'b']).message).toContain('"b"');
    expect(usageError(['serve', 'audio']).message).toContain('text, media, video');
    expect(usageError(['serve', 'text', '--stdio', '--port', '3000']).details.field).toBe('port');
    expect(usageError(['serve', 'text', '--port', '70000']).message).toContain('0 to 65535');
    expect(usageError(['serve', 'text', '--port', 'abc']).details.field).toBe('port');
    expect(usageError(['deploy']).message).toContain('unknown command "deploy"');
  });
});
