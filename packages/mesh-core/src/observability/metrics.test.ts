import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMeshMetrics } from './metrics.js';

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

  it('uses a fresh registry per call unless one is given', async () => {
    createMeshMetrics();
    expect(() => createMeshMetrics()).not.toThrow();
    const registry = new Registry();
    createMeshMetrics({ registry });
    expect(await registry.getSingleMetricAsString('mesh_errors_total')).toContain('mesh_errors_total');
  });
});
