import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHttpServer, startFakeHttpServer } from '../../test/cloud/fake-http-server.js';
import { EXIT_CODES, runCli } from './run-cli.js';

let server: FakeHttpServer;
beforeAll(async () => {
  server = await startFakeHttpServer();
});
afterAll(() => server.close());

/** Runs the CLI in this process with captured output and a clean environment. */
async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { LOG_LEVEL: 'error', ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe('runCli', () => {
  it('prints help, the version and the tool list', async () => {
    const help = await run(['help']);
    expect(help.code).toBe(EXIT_CODES.ok);
    expect(help.stdout).toContain('kidsstories-tools call <tool>');
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const list = await run(['list']);
    for (const tool of ['generate_story', 'generate_image', 'apply_character_guide', 'batch_render']) {
      expect(list.stdout).toContain(tool);
    }
  });

  it('exits 2 for an unknown tool, with the closest names', async () => {
    const result = await run(['call', 'generate_imag']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown tool "generate_imag"; did you mean generate_image');
  });

  it('exits 2 for bad JSON, bad flags and invalid arguments, naming the problem', async () => {
    const badJson = await run(['call', 'embed_content', '--args', '{texts:']);
    expect(badJson.code).toBe(EXIT_CODES.usage);
    expect(badJson.stderr).toContain('--args is not valid JSON');
    const badFlag = await run(['call', 'embed_content', '--argz', '{}']);
    expect(badFlag.code).toBe(EXIT_CODES.usage);
    expect(badFlag.stderr).toContain('--argz');
    expect(badFlag.stderr).toContain('Usage:');
    const invalid = await run(['call', 'embed_content', '--args', '{"texts":[]}']);
    expect(invalid.code).toBe(EXIT_CODES.usage);
    expect(invalid.stderr).toContain('invalid_argument (texts)');
  });

  it('exits 2 when cloud is selected without its settings, naming the variables', async () => {
    const result = await run(['call', 'select_model', '--args', '{"durationSec":5}'], {
      KIDSSTORIES_PROVIDERS: 'cloud',
    });
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(/failed_precondition .*not configured: set /);
  });

  it('exits 1 with the mesh code when a cloud provider fails, without leaking the key', async () => {
    server.handle(() => ({
      status: 429,
      headers: { 'retry-after': '5' },
      json: { error: { message: 'slow down' } },
    }));
    const result = await run(['call', 'embed_content', '--args', '{"texts":["a"]}'], {
      KIDSSTORIES_PROVIDERS: 'offline,embedding=cloud',
      OPENAI_API_KEY: 'sk-cli-secret',
      OPENAI_BASE_URL: `${server.url}/v1`,
    });
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.stderr).toContain('resource_exhausted');
    expect(result.stderr).not.toContain('sk-cli-secret');
    expect(server.requests).toHaveLength(1);
  });
});
