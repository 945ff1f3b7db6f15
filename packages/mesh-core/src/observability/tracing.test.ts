import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { extractTraceContext, injectTraceContext, withSpan } from './tracing.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('tracing helpers', () => {
  it('round-trips a traceparent and ignores malformed ones', () => {
    const context = extractTraceContext({ traceparent: TRACEPARENT, tracestate: 'a=1' });
    expect(trace.getSpanContext(context)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(injectTraceContext(context)).toEqual({ traceparent: TRACEPARENT, tracestate: 'a=1' });
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'garbage' }))).toBeUndefined();
  });

  it('passes the parent through when no tracing SDK records spans', async () => {
    const carrier = await withSpan(
      'noop',
      { parent: { traceparent: TRACEPARENT } },
      async (scope) => scope.carrier,
    );
    expect(carrier.traceparent).toBe(TRACEPARENT);
  });

  it('records through the global provider once an SDK registers one, and skips spans again once it is gone', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      const carrier = await withSpan('global', { parent: { traceparent: TRACEPARENT } }, async (scope) => {
        expect(scope.span.isRecording()).toBe(true);
        return scope.carrier;
      });
      const [span] = exporter.getFinishedSpans();
      expect(span?.name).toBe('global');
      expect(carrier.traceparent).toContain(span?.spanContext().spanId);
    } finally {
      trace.disable();
    }
    const untraced = await withSpan(
      'untraced',
      { parent: { traceparent: TRACEPARENT, tracestate: 'a=1' } },
      async (scope) => {
        expect(scope.span.isRecording()).toBe(false);
        return scope.carrier;
      },
    );
    expect(untraced).toEqual({ traceparent: TRACEPARENT, tracestate: 'a=1' });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('hands on nothing without a parent or a recording SDK, and a root span’s traceparent with one', async () => {
    expect(await withSpan('noop', {}, async (scope) => scope.carrier)).toEqual({});
    expect(await withSpan('noop', { parent: { tracestate: 'a=1' } }, async (scope) => scope.carrier)).toEqual(
      {
        tracestate: 'a=1',
      },
    );
    const tracer = new BasicTracerProvider().getTracer('test');
    const root = await withSpan('root', { tracer }, async (scope) => scope.carrier);
    expect(root.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('creates a child span, hands on its traceparent and records a MeshError code', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('test');
    const carrier = await withSpan(
      'ok',
      { tracer, parent: { traceparent: TRACEPARENT } },
      async (scope) => scope.carrier,
    );
    await expect(
      withSpan('fails', { tracer }, async () => {
        throw new MeshError('nope', 'permission_denied');
      }),
    ).rejects.toThrow('nope');
    const [ok, failed] = exporter.getFinishedSpans();
    expect(ok?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(carrier.traceparent).toContain(ok?.spanContext().spanId);
    expect(failed?.attributes['mesh.error_code']).toBe('permission_denied');
    expect(failed?.status.code).toBe(2);
    await provider.shutdown();
  });
});
