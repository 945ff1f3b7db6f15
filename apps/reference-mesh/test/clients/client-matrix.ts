// The client matrix's shared part (issue 19): the mesh each client file starts once, the calls every client
// makes (one valid call per tool, then the error cases) and what the user must see for each. Each client file
// adapts its client to `MatrixClient` and runs `expectMatrix`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_VIDEO_MODELS } from '@kidsstories/kidsstories-tools';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { type ReferenceMesh, startReferenceMesh } from '../../src/reference-mesh.js';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `kidsstories-tools serve <server> --stdio` as a command and its arguments (the built bin, as users run it). */
export function kidsstoriesStdioServer(server: 'text' | 'media' | 'video'): {
  command: string;
  args: string[];
} {
  return {
    command: process.execPath,
    args: [join(ROOT, 'packages/kidsstories-tools/dist/cli.js'), 'serve', server, '--stdio'],
  };
}

/** The path of a package's bin script, for spawning it with this Node. */
export function binPath(packageName: string, bin: string): string {
  const manifest = require.resolve(`${packageName}/package.json`);
  const bins = (require(manifest) as { bin: Record<string, string> }).bin;
  const relative = bins[bin];
  if (relative === undefined) throw new Error(`${packageName} has no bin "${bin}"`);
  return join(dirname(manifest), relative);
}

/** Runs a command to its end and collects its output. */
export function run(
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Where a client reaches the mesh: the gateway, and one node directly. */
export interface MatrixTargets {
  mesh: ReferenceMesh;
  /** Stops the mesh and removes its bundles. */
  close(): Promise<void>;
  gatewayUrl: string;
  /** The video node's own MCP endpoint (its tools include the domain-error case). */
  videoNodeUrl: string;
  /** The text node's own MCP endpoint. */
  textNodeUrl: string;
  /** A 256x256 page picture (base64 PNG) for the video tools, made by `generate_image`. */
  png: string;
}

/** The `orchestrate` call of the matrix: a one-page story without clips, made once when the mesh starts. */
const ORCHESTRATE_ARGS = { date: '2026-01-02', ageBand: '6-8', pages: 1, clips: 0 } as const;

/**
 * Starts the reference mesh (offline providers, in-memory state, bundles in a temporary folder) once for a client
 * file, makes the page picture the video tools need and runs `orchestrate` once, so that each client's
 * `orchestrate` call finds the bundle and answers at once (`reused: true`).
 */
export async function startMatrixMesh(): Promise<MatrixTargets> {
  const outDir = await mkdtemp(join(tmpdir(), 'client-matrix-'));
  const mesh = await startReferenceMesh({ outDir });
  const close = async () => {
    await mesh.close();
    await rm(outDir, { recursive: true, force: true });
  };
  const client = new Client({ name: 'client-matrix-setup', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(mesh.gatewayUrl)));
    const png = await pagePicture((tool, args) => client.callTool({ name: tool, arguments: args }));
    const made = await client.callTool({ name: 'orchestrate', arguments: { ...ORCHESTRATE_ARGS } });
    if (made.isError) throw new Error(`orchestrate failed: ${textOf(made.content)}`);
    return {
      mesh,
      close,
      gatewayUrl: mesh.gatewayUrl,
      videoNodeUrl: mesh.nodes.video.mcpUrl,
      textNodeUrl: mesh.nodes.text.mcpUrl,
      png,
    };
  } catch (error) {
    await close();
    throw error;
  } finally {
    await client.close();
  }
}

/** What a client showed for one call: whether it was an error, and the text the user reads. */
export interface MatrixOutcome {
  isError: boolean;
  /** The result's text blocks joined, or the message of what the client threw. */
  text: string;
  /** Set when the client threw instead of returning a result. */
  thrown?: boolean;
}

/** One client, adapted: calls a tool and reports what its user would see. */
export interface MatrixClient {
  call(tool: string, args: Record<string, unknown>): Promise<MatrixOutcome>;
}

/** A small PNG for the video tools, made by `generate_image`. */
async function pagePicture(
  callTool: (tool: string, args: Record<string, unknown>) => Promise<{ content?: unknown }>,
): Promise<string> {
  const result = await callTool('generate_image', {
    prompt: 'Pip waves.',
    sceneDescription: 'a meadow',
    size: '256x256',
  });
  const content = Array.isArray(result.content) ? result.content : [];
  for (const block of content as Array<{ type: string; resource?: { blob?: string } }>) {
    if (block.type === 'resource' && typeof block.resource?.blob === 'string') return block.resource.blob;
  }
  throw new Error('generate_image returned no embedded PNG');
}

/** Minimal valid arguments for every tool a server offers (the gateway's own tools included). */
export function validCalls(png: string): Record<string, Record<string, unknown>> {
  const clip = { png, durationSec: 1, width: 64, height: 64 };
  return {
    route: { tool: 'generate_story' },
    orchestrate: { ...ORCHESTRATE_ARGS },
    budget_check: {},
    circuit_status: {},
    generate_story: { parameters: { page_count: 1, seed: 3 } },
    refine_readability: { text: 'The little fox observed the enormous moon. It was extraordinarily bright.' },
    embed_content: { texts: ['Pip finds a star'] },
    generate_image: { prompt: 'Pip waves.', sceneDescription: 'a meadow', size: '256x256' },
    generate_audio: { text: 'Pip waves.' },
    apply_character_guide: { story: { characters: [{ name: 'Pip' }] } },
    select_model: { durationSec: 5 },
    animate_image: clip,
    batch_render: { clips: [clip] },
  };
}

/** The error cases: what the client sends and the server's own message its user must read. */
export const ERROR_CASES = [
  {
    name: 'a missing required argument',
    tool: 'refine_readability',
    args: {},
    message: 'invalid_argument: invalid argument "text" for tool "refine_readability"',
  },
  {
    name: 'a wrong type',
    tool: 'embed_content',
    args: { texts: 'not a list' },
    message: 'invalid_argument: invalid argument "texts" for tool "embed_content"',
  },
  {
    name: 'a domain error',
    tool: 'select_model',
    args: { durationSec: 5, excludeModels: DEFAULT_VIDEO_MODELS.map((model) => model.id) },
    message: 'failed_precondition: no standard video model is left for a 5 s clip',
  },
] as const;

/** The unknown tool's call and the words of the server's `-32602` answer. */
export const UNKNOWN_TOOL = { tool: 'generate_stroy', message: 'unknown tool "generate_stroy"' } as const;

/**
 * Calls every tool in `tools` with valid arguments, then every error case and an unknown tool, and checks what
 * the client's user sees: results for valid calls, and the server's own message for every error (as an error
 * result, or for a client that reports errors by throwing, in what it throws), never a client-side exception
 * of its own such as an output-schema mismatch.
 */
export async function expectMatrix(
  client: MatrixClient,
  tools: readonly string[],
  png: string,
  options: { throwsOnError?: boolean } = {},
): Promise<void> {
  const valid = validCalls(png);
  for (const tool of tools) {
    const args = valid[tool];
    if (args === undefined) throw new Error(`no valid call for tool "${tool}"`);
    const outcome = await client.call(tool, args);
    expect({ tool, ...outcome }).toMatchObject({ tool, isError: false });
  }
  for (const errorCase of ERROR_CASES) {
    if (!tools.includes(errorCase.tool)) continue;
    const outcome = await client.call(errorCase.tool, { ...errorCase.args });
    expect({ case: errorCase.name, ...outcome }).toMatchObject({
      case: errorCase.name,
      isError: true,
      text: expect.stringContaining(errorCase.message),
    });
    if (!options.throwsOnError) expect(outcome.thrown, errorCase.name).toBeUndefined();
    expect(outcome.text).not.toMatch(/output schema|Structured content/i);
  }
  const unknown = await client.call(UNKNOWN_TOOL.tool, {});
  expect(unknown).toMatchObject({ isError: true, text: expect.stringContaining(UNKNOWN_TOOL.message) });
}

/** The text blocks of a result, joined by new lines. */
export function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .filter((block): block is { type: 'text'; text: string } => block?.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

/** Adapts an official SDK client (v1 or v2, or one behind `mcp-remote`): each call is one `callTool`. */
export function adaptSdkClient(client: {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
}): MatrixClient {
  return { call: (tool, args) => outcomeOf(() => client.callTool({ name: tool, arguments: args })) };
}

/** Wraps a call so a thrown error becomes an outcome carrying its message. */
export async function outcomeOf(call: () => Promise<unknown>): Promise<MatrixOutcome> {
  try {
    const result = (await call()) as { isError?: unknown; content?: unknown };
    return { isError: result.isError === true, text: textOf(result.content) };
  } catch (error) {
    return { isError: true, thrown: true, text: error instanceof Error ? error.message : String(error) };
  }
}
