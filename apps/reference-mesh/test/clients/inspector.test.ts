// The MCP Inspector CLI (`@modelcontextprotocol/inspector` 2.12.0), one process per call as users run it:
// `tools/list --strict` lints every tool schema of every server, and `tools/call` shows the server's messages.
import { findSchemaPortabilityIssues } from '@kidsstories/mesh-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binPath,
  ERROR_CASES,
  kidsstoriesStdioServer,
  type MatrixTargets,
  run,
  startMatrixMesh,
  UNKNOWN_TOOL,
} from './client-matrix.js';

const INSPECTOR = binPath('@modelcontextprotocol/inspector', 'mcp-inspector');

/** Runs `mcp-inspector --cli` against a URL (Streamable HTTP) or a stdio command. */
function inspector(target: string | { command: string; args: string[] }, args: string[]) {
  const where =
    typeof target === 'string' ? [target, '--transport', 'http'] : [target.command, ...target.args];
  return run(process.execPath, [INSPECTOR, '--cli', ...where, ...args]);
}

/** `--tool-arg key=value` pairs; values that are not plain strings travel as JSON. */
function toolArgs(args: Record<string, unknown>): string[] {
  return Object.entries(args).flatMap(([key, value]) => [
    '--tool-arg',
    `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  ]);
}

// Each test runs the Inspector CLI several times, one process each (a few seconds apiece on a busy machine).
describe('MCP Inspector CLI 2.12.0', () => {
  let targets: MatrixTargets;
  beforeAll(async () => {
    targets = await startMatrixMesh();
  });
  afterAll(async () => {
    await targets?.close();
  });

  it('lints every tool of every server clean with tools/list --strict, in the portable subset', async () => {
    const servers = {
      gateway: targets.gatewayUrl,
      text: targets.textNodeUrl,
      media: targets.mesh.nodes.media.mcpUrl,
      video: targets.videoNodeUrl,
      'stdio video': kidsstoriesStdioServer('video'),
    };
    for (const [name, target] of Object.entries(servers)) {
      const result = await inspector(target, ['--method', 'tools/list', '--strict']);
      expect({ name, code: result.code, stderr: result.stderr }).toEqual({ name, code: 0, stderr: '' });
      const { tools } = JSON.parse(result.stdout) as {
        tools: Array<{ name: string; inputSchema: unknown; outputSchema?: unknown }>;
      };
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        expect(findSchemaPortabilityIssues(tool.inputSchema, `${tool.name}.inputSchema`)).toEqual([]);
        if (tool.outputSchema !== undefined) {
          expect(findSchemaPortabilityIssues(tool.outputSchema, `${tool.name}.outputSchema`)).toEqual([]);
        }
      }
    }
  }, 120_000);

  it("shows a result and the server's own error messages, through the gateway and on a node", async () => {
    for (const url of [targets.gatewayUrl, targets.videoNodeUrl]) {
      const ok = await inspector(url, [
        '--method',
        'tools/call',
        '--tool-name',
        'select_model',
        ...toolArgs({ durationSec: 5 }),
      ]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ structuredContent: { modelId: expect.any(String) } });
      const domain = ERROR_CASES[2];
      const failed = await inspector(url, [
        '--method',
        'tools/call',
        '--tool-name',
        domain.tool,
        ...toolArgs(domain.args),
      ]);
      expect(JSON.parse(failed.stdout)).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: expect.stringContaining(domain.message) }],
      });
      expect(`${failed.stdout}${failed.stderr}`).not.toMatch(/output schema/i);
    }
    const missing = await inspector(targets.gatewayUrl, [
      '--method',
      'tools/call',
      '--tool-name',
      'refine_readability',
    ]);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining(ERROR_CASES[0].message) }],
    });
    const unknown = await inspector(targets.gatewayUrl, [
      '--method',
      'tools/call',
      '--tool-name',
      UNKNOWN_TOOL.tool,
    ]);
    // The Inspector checks the name against tools/list itself and never sends the call: its own message.
    expect(unknown.code).not.toBe(0);
    expect(`${unknown.stdout}${unknown.stderr}`).toMatch(/"tool_not_found".*generate_stroy/);
  }, 120_000);
});
