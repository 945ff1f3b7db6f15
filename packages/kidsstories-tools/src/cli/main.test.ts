import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHttpServer, startFakeHttpServer } from '../../test/cloud/fake-http-server.js';
import { type NodeRun, runNode } from '../../test/run-node.js';
import { parseStory } from '../story/story-schema.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const NODE_ARGS = ['--import', 'tsx', '--conditions=@kidsstories/source', MAIN];
/** A clean environment: no cloud keys leak in from the machine running the tests. */
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'error' };

function runCliProcess(args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  return runNode([...NODE_ARGS, ...args], { env: { ...BASE_ENV, ...env } });
}

let outDir: string;
let server: FakeHttpServer;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'kidsstories-cli-'));
  server = await startFakeHttpServer();
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await server.close();
});

describe('kidsstories-tools call', () => {
  it.concurrent('runs generate_story offline and prints a valid story as JSON', async () => {
    const result = await runCliProcess([
      'call',
      'generate_story',
      '--args',
      '{"parameters":{"page_count":3,"age_band":"6-8","seed":5}}',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.tool).toBe('generate_story');
    const story = parseStory(printed.structuredContent.story, { pageCount: 3, ageBand: '6-8' });
    expect(story.pages).toHaveLength(3);
    expect(printed.files).toEqual([]);
  });

  it.concurrent('writes generate_image media to --out and prints a summary, not base64', async () => {
    const guide = {
      storyId: 'pip-1',
      createdAt: 0,
      characters: [
        {
          name: 'Pip',
          species: 'fox',
          traits: ['kind'],
          physicalFeatures: ['bushy tail'],
          clothing: ['green scarf'],
          colorPalette: ['#e07a2f', '#ffffff', '#2f8f4e'],
          distinctiveMarks: [],
        },
      ],
    };
    const args = {
      prompt: 'Pip finds a star.',
      sceneDescription: 'a meadow at night',
      characterGuide: guide,
      seed: 3,
    };
    const result = await runCliProcess([
      'call',
      'generate_image',
      '--args',
      JSON.stringify(args),
      '--out',
      outDir,
    ]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.files).toHaveLength(1);
    const media = printed.content.find((block: { type: string }) => block.type === 'media');
    expect(media).toMatchObject({ kind: 'resource', mimeType: 'image/png', file: printed.files[0] });
    expect(result.stdout.length).toBeLessThan(10_000);
    const png = PNG.sync.read(await readFile(printed.files[0]));
    expect([png.width, png.height]).toEqual([1024, 1024]);
    expect(media.bytes).toBe((await readFile(printed.files[0])).length);
    expect(await readdir(outDir)).toHaveLength(1);
  });

  it('uses a cloud provider by configuration: embed_content through OpenAI on a local server', async () => {
    server.handle((request) => {
      const body = request.json();
      return {
        json: {
          object: 'list',
          data: body.input.map((_: string, index: number) => ({
            object: 'embedding',
            index,
            embedding: [index, 1, 0],
          })),
          usage: { prompt_tokens: 6, total_tokens: 6 },
        },
      };
    });
    const env = {
      KIDSSTORIES_PROVIDERS: 'offline,embedding=cloud',
      OPENAI_API_KEY: 'sk-cli-test',
      OPENAI_BASE_URL: `${server.url}/v1`,
      KIDSSTORIES_EMBEDDING_DIMENSIONS: '3',
    };
    const ok = await runCliProcess(['call', 'embed_content', '--args', '{"texts":["a","b"]}'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).structuredContent.vectors).toEqual([
      [0, 1, 0],
      [1, 1, 0],
    ]);
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-cli-test');
    expect(ok.stderr).not.toContain('sk-cli-test');
  });
});

describe('kidsstories-tools serve --stdio', () => {
  it('serves the text tools to the official MCP client over stdio', async () => {
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...NODE_ARGS, 'serve', 'text', '--stdio'],
      env: BASE_ENV,
      stderr: 'pipe',
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        'embed_content',
        'generate_story',
        'refine_readability',
      ]);
      const embedded = await client.callTool({
        name: 'embed_content',
        arguments: { texts: ['Pip finds a star'] },
      });
      expect(embedded.isError).toBeFalsy();
      expect(embedded.structuredContent).toMatchObject({ dimensions: 384 });
      const story = await client.callTool({
        name: 'generate_story',
        arguments: { parameters: { page_count: 2, seed: 9 } },
      });
      expect(parseStory((story.structuredContent as { story: unknown }).story).pages).toHaveLength(2);
      const invalid = await client.callTool({ name: 'embed_content', arguments: { texts: [] } });
      expect(invalid.isError).toBe(true);
      expect(invalid._meta).toMatchObject({ 'io.kidsstories/error': { code: 'invalid_argument' } });
    } finally {
      await client.close();
    }
  });
});
