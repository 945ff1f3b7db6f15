import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GuardedConnector } from './guarded-connector.js';

describe('GuardedConnector', () => {
  it('keeps a socket error after the first from being uncaught', async () => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const connector = new GuardedConnector({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
      });
      const stream = await connector.connect(() => {});
      // ioredis's own listeners are `once`: the first error is theirs (here, the connector's own `once`).
      stream.emit('error', new Error('handshake refused'));
      expect(() => stream.emit('error', new Error("the peer's alert, read late"))).not.toThrow();
      expect(connector.firstError?.message).toBe('handshake refused');
      stream.destroy();
    } finally {
      server.close();
    }
  });
});
