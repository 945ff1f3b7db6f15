import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMeshMetrics, OTHER_TOOL_LABEL } from './metrics.js';

describe('createMeshMetrics', () => {
  it('renders the histogram, errors, breaker state and in-flight gauge', async () => {
    const metrics = createMeshMetrics({ prefix: 'test_' });
    metrics.observeToolCall({ tool: 'echo', node: 'n', outcome: 'ok', durationMs: 12 });
    metrics.observeToolCall({
      tool: 'echo',
      node: 'n',
      outcome: 'error',
      durationMs: 3,
      code: 'unavailable',
    });
    metrics.setBreakerState('peer:media', 'open');
    const done = metrics.trackInFlight('n');
    metrics.trackInFlight('n');
    done();
    done();
    const text = await metrics.render();
    expect(text).toContain(
      'test_tool_call_duration_seconds_bucket{le="0.025",tool="echo",node="n",outcome="ok"} 1',
    );
    expect(text).toContain('test_errors_total{code="unavailable",tool="echo",node="n"} 1');
    expect(text).toContain('test_breaker_state{target="peer:media"} 2');
    expect(text).toContain('test_in_flight_calls{node="n"} 1');
  });

  it('keeps at most maxToolLabels tool names, the rest counted as _other (issue 20)', async () => {
    const metrics = createMeshMetrics({ prefix: 'bound_', maxToolLabels: 3 });
    // A hostile client: 5 000 made-up tool names, counted at the edge before they are rejected.
    for (let index = 0; index < 5_000; index += 1) {
      metrics.countError('not_found', { tool: `made-up-${index}`, node: 'n' });
      metrics.observeToolCall({ tool: `made-up-${index}`, node: 'n', outcome: 'ok', durationMs: 1 });
    }
    const errors = await metrics.registry.getSingleMetric('bound_errors_total')?.get();
    const tools = new Set(errors?.values.map((value) => value.labels.tool));
    expect(tools).toEqual(new Set(['made-up-0', 'made-up-1', 'made-up-2', OTHER_TOOL_LABEL]));
    expect(errors?.values.find((value) => value.labels.tool === OTHER_TOOL_LABEL)?.value).toBe(4_997);
    const latency = await metrics.registry.getSingleMetric('bound_tool_call_duration_seconds')?.get();
    expect(new Set(latency?.values.map((value) => value.labels.tool)).size).toBe(4);
    // A name already kept keeps its own series.
    metrics.countError('internal', { tool: 'made-up-1', node: 'n' });
    expect(await metrics.render()).toContain(
      'bound_errors_total{code="internal",tool="made-up-1",node="n"} 1',
    );
    expect(() => createMeshMetrics({ maxToolLabels: -1 })).toThrow(
      /maxToolLabels must be a whole number >= 0/,
    );
  });

  it('uses a fresh registry per call unless one is given', async () => {
    createMeshMetrics();
    expect(() => createMeshMetrics()).not.toThrow();
    const registry = new Registry();
    createMeshMetrics({ registry });
    expect(await registry.getSingleMetricAsString('mesh_errors_total')).toContain('mesh_errors_total');
  });
});
