import { connect as connectHttp2 } from 'node:http2';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { connectClient, exampleTools, type Observed } from './fixtures.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('MeshNode', () => {
  let node: MeshNode | undefined;
  afterEach(async () => {
    await node?.close({ graceMs: 0 });
    node = undefined;
  });

  it('serves MCP for both eras and the mesh service on its own port', async () => {
    const observed: Observed = { aborted: [], contexts: [] };
    node = createMeshNode({ id: 'node-1', tools: exampleTools(observed) });
    await node.start();
    expect(node.mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(node.meshUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(node.mcpUrl, era);
      expect((await client.callTool({ name: 'echo', arguments: { text: era } })).structuredContent).toEqual({
        text: era,
      });
      await client.close();
    }
    // The mesh service answers HTTP/2 (h2c) on its URL.
    const session = connectHttp2(node.meshUrl);
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    session.close();
  });

  it('exposes the latency histogram and errors by code on GET /metrics', async () => {
    node = createMeshNode({
      id: 'metrics-node',
      tools: exampleTools({ aborted: [], contexts: [] }),
      mesh: false,
    });
    await node.start();
    const client = await connectClient(node.mcpUrl, 'modern');
    await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await client.callTool({ name: 'echo', arguments: { text: 'b' } });
    await client.callTool({ name: 'explode', arguments: { kind: 'mesh' } });
    await client.close();
    const response = await fetch(new URL('/metrics', node.mcpUrl));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE mesh_tool_call_duration_seconds histogram');
    expect(text).toMatch(
      /mesh_tool_call_duration_seconds_count\{tool="echo",node="metrics-node",outcome="ok"\} 2/,
    );
    expect(text).toMatch(
      /mesh_tool_call_duration_seconds_count\{tool="explode",node="metrics-node",outcome="error"\} 1/,
    );
    expect(text).toMatch(
      /mesh_errors_total\{code="resource_exhausted",tool="explode",node="metrics-node"\} 1/,
    );
    expect(text).toMatch(/mesh_in_flight_calls\{node="metrics-node"\} 0/);
  });

  it('reports health and drains: in-flight calls finish, new ones are refused', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tools = exampleTools({ aborted: [], contexts: [] });
    const held = {
      ...tools[0]!,
      name: 'held',
      handler: async () => {
        await gate;
        return { structuredContent: { text: 'done' } };
      },
    };
    node = createMeshNode({ id: 'drain-node', tools: [...tools, held], mesh: false });
    await node.start();
    const healthz = () => fetch(new URL('/healthz', node!.mcpUrl));
    expect((await healthz()).status).toBe(200);
    const client = await connectClient(node.mcpUrl, 'modern');
    const inFlight = client.callTool({ name: 'held', arguments: { text: 'x' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drained = node.drain();
    expect((await healthz()).status).toBe(503);
    const refused = await client.callTool({ name: 'echo', arguments: { text: 'late' } });
    expect(refused._meta).toMatchObject({ 'io.kidsstories/error': { code: 'unavailable' } });
    release();
    expect((await inFlight).structuredContent).toEqual({ text: 'done' });
    await drained;
    await client.close();
  });

  it('answers unknown paths with 404 and rejects a second start', async () => {
    node = createMeshNode({ id: 'n', tools: [], mesh: false });
    await node.start();
    expect((await fetch(new URL('/nope', node.mcpUrl))).status).toBe(404);
    await expect(node.start()).rejects.toMatchObject({ code: 'failed_precondition' });
  });

  it('records edge and tool spans in one trace continuing the client traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const observed: Observed = { aborted: [], contexts: [] };
    node = createMeshNode({
      id: 'traced',
      tools: exampleTools(observed),
      mesh: false,
      tracer: provider.getTracer('test'),
    });
    await node.start();
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(node.mcpUrl, era);
      await client.callTool({
        name: 'echo',
        arguments: { text: era },
        _meta: { traceparent: CLIENT_TRACEPARENT },
      });
      await client.close();
    }
    const spans = exporter.getFinishedSpans();
    const edgeSpans = spans.filter((span) => span.name === 'mcp tools/call echo');
    const toolSpans = spans.filter((span) => span.name === 'tool echo');
    expect(edgeSpans).toHaveLength(2);
    expect(toolSpans).toHaveLength(2);
    for (const span of [...edgeSpans, ...toolSpans]) expect(span.spanContext().traceId).toBe(TRACE_ID);
    for (const span of edgeSpans) expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const edgeIds = edgeSpans.map((span) => span.spanContext().spanId);
    for (const span of toolSpans) expect(edgeIds).toContain(span.parentSpanContext?.spanId);
    // The handler's traceparent names its own tool span, for outbound calls.
    const toolIds = toolSpans.map((span) => span.spanContext().spanId);
    for (const seen of observed.contexts) expect(toolIds).toContain(seen.traceparent?.split('-')[2]);
    await provider.shutdown();
  });
});
