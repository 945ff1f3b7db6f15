import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { createFakeLink, createRecord, inbound, memoryPorts, peerTools } from './fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** The value of one sample line of `/metrics` text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((label) => line.includes(label))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Issue 12 item 13: a gateway's `/metrics` showed no samples after calls; it counts its own now. */
describe('gateway metrics', () => {
  it('counts its calls, peer calls, retries and breaker transitions, served on /metrics by a MeshNode', async () => {
    const record = createRecord();
    const story = createFakeLink('story-1', peerTools('story-1', record));
    const media = createFakeLink('media-1', peerTools('media-1', record));
    const gateway: Gateway = createGateway({
      id: 'gw',
      ports: memoryPorts(),
      peers: [
        { name: 'story', replicas: [story], policy: { retry: { initialDelayMs: 1, maxAttempts: 3 } } },
        {
          name: 'media',
          replicas: [media],
          policy: { retry: { maxAttempts: 1 }, breaker: { minimumThroughput: 4, breakDurationMs: 60_000 } },
        },
      ],
      prefixMode: 'always',
      relistIntervalMs: 0,
    });
    cleanup.push(() => gateway.close());
    // No `metrics` option on either: the node serves the gateway's own registry.
    const node: MeshNode = createMeshNode({ id: 'gw', host: gateway, mesh: false });
    await node.start();
    cleanup.push(() => node.close({ graceMs: 0 }));

    for (let index = 0; index < 3; index += 1)
      await gateway.callTool('story_echo', { text: 'hi' }, inbound());
    // A peer that refuses: the call is retried twice, then fails.
    story.down = true;
    await expect(gateway.callTool('story_echo', { text: 'x' }, inbound())).rejects.toMatchObject({
      code: 'unavailable',
    });
    story.down = false;
    // Three internal failures open the media breaker.
    for (let index = 0; index < 3; index += 1) {
      await expect(gateway.callTool('media_fail', { code: 'internal' }, inbound())).rejects.toMatchObject({
        code: 'internal',
      });
    }
    expect(gateway.peerStatus().find((peer) => peer.peer === 'media')?.circuit.state).toBe('open');

    const text = await (await fetch(new URL('/metrics', node.mcpUrl))).text();
    const call = { tool: 'story_echo', node: 'gw' };
    expect(sample(text, 'mesh_tool_call_duration_seconds_count', { ...call, outcome: 'ok' })).toBe(3);
    expect(sample(text, 'mesh_tool_call_duration_seconds_count', { ...call, outcome: 'error' })).toBe(1);
    expect(sample(text, 'mesh_peer_call_duration_seconds_count', { peer: 'story', outcome: 'ok' })).toBe(3);
    expect(sample(text, 'mesh_peer_call_duration_seconds_count', { peer: 'story', outcome: 'error' })).toBe(
      1,
    );
    expect(sample(text, 'mesh_peer_call_duration_seconds_count', { peer: 'media', outcome: 'error' })).toBe(
      3,
    );
    expect(sample(text, 'mesh_retries_total', { target: 'peer:story', node: 'gw' })).toBe(2);
    expect(sample(text, 'mesh_breaker_transitions_total', { target: 'peer:media', state: 'open' })).toBe(1);
    expect(sample(text, 'mesh_breaker_state', { target: 'peer:media' })).toBe(2);
    expect(sample(text, 'mesh_breaker_state', { target: 'peer:story' })).toBe(0);
    expect(sample(text, 'mesh_errors_total', { code: 'internal', tool: 'media_fail', node: 'gw' })).toBe(3);
  });
});
