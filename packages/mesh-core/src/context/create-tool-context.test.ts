import { describe, expect, it } from 'vitest';
import type { LinkCallOptions, MeshCaller } from '../link/peer-link-types.js';
import { createOutboundMeshClient } from './create-tool-context.js';

/** A mesh that records the link options of every call. */
function recordingMesh(): MeshCaller & { received: LinkCallOptions[] } {
  const received: LinkCallOptions[] = [];
  return {
    received,
    callTool: async (_name, _args, options) => {
      received.push(options);
      return { content: [] };
    },
    listTools: async () => [],
  };
}

describe('createOutboundMeshClient', () => {
  const scope = {
    signal: new AbortController().signal,
    correlationId: 'corr-1',
    hop: 1,
    deadline: 11_000,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    budgetId: 'budget-7',
    principal: 'ada',
    now: () => 10_000,
  };

  it('sends deriveOutboundMetadata of the scope, with the time left as timeoutMs', async () => {
    const mesh = recordingMesh();
    await createOutboundMeshClient(mesh, scope).callTool('peer_tool', {});
    const [options] = mesh.received;
    expect(options?.timeoutMs).toBe(1_000);
    expect(options?.metadata).toEqual({
      correlationId: 'corr-1',
      hop: 2,
      deadline: 11_000,
      traceparent: scope.traceparent,
      budgetId: 'budget-7',
    });
  });

  it("bounds the metadata's deadline by the call's own shorter timeoutMs", async () => {
    const mesh = recordingMesh();
    const client = createOutboundMeshClient(mesh, scope);
    await client.callTool('peer_tool', {}, { timeoutMs: 200 });
    await client.callTool('peer_tool', {}, { timeoutMs: 5_000 });
    expect(mesh.received.map((options) => [options.timeoutMs, options.metadata.deadline])).toEqual([
      [200, 10_200],
      [1_000, 11_000],
    ]);
  });

  it('sends no deadline when neither the scope nor the call has one', async () => {
    const mesh = recordingMesh();
    const { deadline: _deadline, ...open } = scope;
    await createOutboundMeshClient(mesh, open).callTool('peer_tool', {});
    expect(mesh.received[0]?.timeoutMs).toBeUndefined();
    expect(mesh.received[0]?.metadata.deadline).toBeUndefined();
  });

  it('rejects deadline_exceeded, without calling, once the deadline passed', async () => {
    const mesh = recordingMesh();
    const late = createOutboundMeshClient(mesh, { ...scope, now: () => 11_000 });
    await expect(late.callTool('peer_tool', {})).rejects.toMatchObject({
      code: 'deadline_exceeded',
      details: { tool: 'peer_tool' },
    });
    expect(mesh.received).toHaveLength(0);
  });
});
