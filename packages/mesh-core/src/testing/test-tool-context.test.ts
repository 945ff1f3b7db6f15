import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { createTestToolContext } from './test-tool-context.js';

describe('createTestToolContext', () => {
  it('records events and progress, aborts on demand and refuses mesh calls', async () => {
    const outer = new AbortController();
    const harness = createTestToolContext({ signal: outer.signal });
    const { context } = harness;
    await context.events.publish('story.complete', {
      type: 'story.complete',
      source: 'x',
      time: 1,
      data: {},
    });
    context.reportProgress({ progress: 1, total: 2 });
    expect(harness.published).toEqual([
      { topic: 'story.complete', event: { type: 'story.complete', source: 'x', time: 1, data: {} } },
    ]);
    expect(harness.progress).toEqual([{ progress: 1, total: 2 }]);
    const refused = await context.mesh.callTool('anything', {}).catch((error: unknown) => error);
    expect(MeshError.isInstance(refused) && refused.code).toBe('unimplemented');
    expect(context.signal.aborted).toBe(false);
    outer.abort(new Error('caller went away'));
    expect(context.signal.aborted).toBe(true);
    await harness.close();
  });
});
