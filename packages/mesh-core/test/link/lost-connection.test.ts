import { afterEach, describe, expect, it } from 'vitest';
import { createPeerLink } from '../../src/link/peer-link.js';
import { createTestHost, metadata, serveWithHook } from './fixtures.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/**
 * A replica that dies in the middle of a call: the TCP connection drops without a GOAWAY or a status, as when
 * the process is killed. Issue 12 item 4: such a call reported `canceled: http/2 stream closed`, which no
 * caller retries; it is `unavailable` (the peer is gone), so a retry-safe caller may try another replica.
 */
describe('peer link: a connection lost in the middle of a call', () => {
  for (const mode of [
    { name: 'call channel', callChannel: true, progress: false },
    { name: 'unary call', callChannel: false, progress: false },
    { name: 'streamed call', callChannel: false, progress: true },
  ]) {
    it(`reports a ${mode.name} whose replica died as unavailable, not canceled`, async () => {
      const host = createTestHost();
      const { url } = await serveWithHook(
        host,
        (request) => {
          if (!request.url.includes('CallTool')) return 'serve';
          // The request arrived; the process "dies" before answering.
          setTimeout(() => request.stream.session?.destroy(), 20);
          return 'handled';
        },
        cleanup,
      );
      const link = createPeerLink({ url, callChannel: mode.callChannel });
      cleanup.push(() => link.close());
      const call = link.callTool(
        'echo',
        { text: 'x' },
        {
          metadata: metadata(),
          timeoutMs: 5_000,
          ...(mode.progress ? { onProgress: () => {} } : {}),
        },
      );
      await expect(call).rejects.toMatchObject({
        code: 'unavailable',
        details: { origin: url, reason: 'connection_lost' },
      });
    });
  }

  it('still reports a call the caller canceled as canceled', async () => {
    const { url } = await serveWithHook(
      createTestHost(),
      (request) => (request.url.includes('CallTool') ? 'handled' : 'serve'),
      cleanup,
    );
    const link = createPeerLink({ url });
    cleanup.push(() => link.close());
    const controller = new AbortController();
    const call = link.callTool('echo', { text: 'x' }, { metadata: metadata(), signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toMatchObject({ code: 'canceled' });
  });
});
