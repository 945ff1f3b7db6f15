import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import type { ResourceHost } from '../../src/host/feature-host.js';
import { createMeshServer, type MeshServer } from '../../src/link/mesh-server.js';
import { createLocalFeatureHost } from '../../src/node/local-feature-host.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { createMeshMetrics } from '../../src/observability/metrics.js';
import { defineResource } from '../../src/resource/resource-definition.js';
import { defineTool } from '../../src/tool/tool-definition.js';

/** The MCP client's own span: the root of the trace every hop must continue. */
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`;

const parentSpanId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('observability end to end: MCP client -> gateway -> peer over real sockets', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('trace-propagation-test');
  /** `traceparent` each peer tool handler saw in its context. */
  const seenByTool: string[] = [];
  let releaseGate: () => void = () => {};
  let gateEntered: () => void = () => {};
  let peer: MeshNode;
  /** A second peer serving a resource, whose host records the trace context each read arrives with. */
  let docs: MeshServer;
  const seenByRead: Array<string | undefined> = [];
  let gateway: Gateway;
  let gatewayNode: MeshNode;
  let client: Client;

  beforeAll(async () => {
    peer = createMeshNode({
      id: 'story-node',
      tracer,
      tools: [
        defineTool({
          name: 'echo',
          description: 'Returns its text.',
          inputSchema: z.object({ text: z.string() }),
          handler: async ({ text }, context) => {
            if (context.traceparent) seenByTool.push(context.traceparent);
            return { content: [{ type: 'text', text }] };
          },
        }),
        defineTool({
          name: 'gated',
          description: 'Waits until the test opens the gate.',
          inputSchema: z.object({}),
          handler: async () => {
            gateEntered();
            await new Promise<void>((resolve) => {
              releaseGate = resolve;
            });
            return { content: [{ type: 'text', text: 'opened' }] };
          },
        }),
        defineTool({
          name: 'refuse',
          description: 'Always fails with permission_denied.',
          inputSchema: z.object({}),
          handler: async () => {
            throw new MeshError('not allowed on purpose', 'permission_denied');
          },
        }),
      ],
    });
    await peer.start();
    const local = createLocalFeatureHost({
      id: 'docs-node',
      resources: [
        defineResource({ uri: 'docs://readme', name: 'readme', handler: async () => ({ text: 'hi' }) }),
      ],
    });
    const recording: ResourceHost = {
      ...local,
      readResource: (uri, call) => {
        seenByRead.push(call.traceparent);
        return local.readResource(uri, call);
      },
    };
    docs = createMeshServer({
      host: createLocalToolHost({ id: 'docs-node', tools: [], ports: peer.ports }),
      features: { resources: recording },
    });
    await docs.start();
    const metrics = createMeshMetrics();
    gateway = createGateway({
      id: 'gw-trace',
      tracer,
      metrics,
      ports: peer.ports,
      peers: [
        { name: 'story', replicas: [peer.meshUrl] },
        { name: 'docs', replicas: [docs.url] },
      ],
    });
    await gateway.start();
    gatewayNode = createMeshNode({ id: 'gw-trace', host: gateway, tracer, metrics, mesh: false });
    await gatewayNode.start();
    client = new Client({ name: 'trace-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gatewayNode.mcpUrl)));
  });

  afterAll(async () => {
    await client?.close();
    await gatewayNode?.close({ graceMs: 0 });
    await gateway?.close();
    await peer?.close({ graceMs: 0 });
    await docs?.close({ timeoutMs: 0 });
    await provider.shutdown();
  });

  it("continues the client's trace from the edge through the gateway to the peer's tool span", async () => {
    exporter.reset();
    const result = await client.callTool({
      name: 'echo',
      arguments: { text: 'traced' },
      _meta: { traceparent: TRACEPARENT, tracestate: 'vendor=1' },
    });
    expect(result.isError).toBeFalsy();

    const spans = exporter.getFinishedSpans();
    const edge = spans.find((span) => span.name === 'mcp tools/call echo');
    const routed = spans.find((span) => span.name === 'gateway echo');
    const tool = spans.find((span) => span.name === 'tool echo');
    expect(edge, `spans: ${spans.map((span) => span.name).join(', ')}`).toBeDefined();
    expect(routed).toBeDefined();
    expect(tool).toBeDefined();
    if (!edge || !routed || !tool) return;

    for (const span of [edge, routed, tool]) expect(span.spanContext().traceId).toBe(CLIENT_TRACE_ID);
    // One parent chain: client -> edge -> gateway routed call -> peer tool.
    expect(parentSpanId(edge)).toBe(CLIENT_SPAN_ID);
    expect(edge.parentSpanContext?.isRemote).toBe(true);
    expect(parentSpanId(routed)).toBe(edge.spanContext().spanId);
    expect(parentSpanId(tool)).toBe(routed.spanContext().spanId);
    // The peer got the gateway's span context over the link, so its parent is remote.
    expect(tool.parentSpanContext?.isRemote).toBe(true);
    expect(edge.kind).toBe(SpanKind.SERVER);
    expect(routed.kind).toBe(SpanKind.CLIENT);
    expect(routed.attributes).toMatchObject({ 'mesh.tool': 'echo', 'mesh.peer': 'story' });
    expect(tool.attributes).toMatchObject({ 'mesh.tool': 'echo', 'mesh.node': 'story-node' });
    // The same correlation id on every hop.
    const correlationIds = new Set(
      [edge, routed, tool].map((span) => span.attributes['mesh.correlation_id']),
    );
    expect(correlationIds.size).toBe(1);
    // The tool handler sees its own span as the current trace context; tracestate travels unchanged.
    expect(seenByTool.at(-1)).toBe(`00-${CLIENT_TRACE_ID}-${tool.spanContext().spanId}-01`);
  });

  it("continues the client's trace through the gateway to a peer's resource read", async () => {
    exporter.reset();
    const read = await client.readResource({ uri: 'docs://readme', _meta: { traceparent: TRACEPARENT } });
    expect(read.contents[0]).toMatchObject({ text: 'hi' });
    const spans = exporter.getFinishedSpans();
    const forwarded = spans.find((span) => span.name === 'gateway resources/read');
    expect(forwarded, `spans: ${spans.map((span) => span.name).join(', ')}`).toBeDefined();
    if (!forwarded) return;
    expect(forwarded.spanContext().traceId).toBe(CLIENT_TRACE_ID);
    expect(parentSpanId(forwarded)).toBe(CLIENT_SPAN_ID);
    expect(forwarded.kind).toBe(SpanKind.CLIENT);
    expect(forwarded.attributes).toMatchObject({ 'mesh.resource': 'docs://readme', 'mesh.peer': 'docs' });
    // The peer's host got the gateway span's context over the link.
    expect(seenByRead.at(-1)).toBe(`00-${CLIENT_TRACE_ID}-${forwarded.spanContext().spanId}-01`);
  });

  it('records a failing call on every span of the chain', async () => {
    exporter.reset();
    const result = await client.callTool({
      name: 'refuse',
      arguments: {},
      _meta: { traceparent: TRACEPARENT },
    });
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ 'io.kidsstories/error': { code: 'permission_denied' } });
    const spans = exporter.getFinishedSpans();
    const names = ['mcp tools/call refuse', 'gateway refuse', 'tool refuse'];
    const chain = names.map((name) => spans.find((span) => span.name === name));
    expect(chain.every((span) => span !== undefined)).toBe(true);
    for (const span of chain) {
      expect(span?.spanContext().traceId).toBe(CLIENT_TRACE_ID);
      expect(span?.status.code).toBe(SpanStatusCode.ERROR);
      expect(span?.attributes['mesh.error_code']).toBe('permission_denied');
    }
    expect(parentSpanId(chain[2] as ReadableSpan)).toBe(chain[1]?.spanContext().spanId);
  });

  it("serves the gateway's latency histogram, errors by code, breaker state and in-flight gauge on /metrics", async () => {
    const metricsUrl = new URL('/metrics', gatewayNode.mcpUrl);
    const scrape = async () => {
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      return response.text();
    };
    await client.callTool({ name: 'echo', arguments: { text: 'counted' } });
    await client.callTool({ name: 'refuse', arguments: {} });

    const entered = new Promise<void>((resolve) => {
      gateEntered = resolve;
    });
    const slow = client.callTool({ name: 'gated', arguments: {} });
    await entered;
    const during = await scrape();
    expect(during).toMatch(/^mesh_in_flight_calls\{node="gw-trace"\} 1$/m);
    releaseGate();
    expect((await slow).isError).toBeFalsy();

    const text = await scrape();
    expect(text).toContain('# TYPE mesh_tool_call_duration_seconds histogram');
    expect(text).toMatch(
      /^mesh_tool_call_duration_seconds_count\{tool="echo",node="gw-trace",outcome="ok"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(
      /^mesh_tool_call_duration_seconds_bucket\{le="\+Inf",tool="refuse",node="gw-trace",outcome="error"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(
      /^mesh_errors_total\{code="permission_denied",tool="refuse",node="gw-trace"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(/^mesh_breaker_state\{target="peer:story"\} 0$/m);
    expect(text).toMatch(/^mesh_in_flight_calls\{node="gw-trace"\} 0$/m);
  });
});
