import type { ErrorEmitter } from 'ioredis/built/connectors/AbstractConnector.js';
import * as connectors from 'ioredis/built/connectors/index.js';
import type { StandaloneConnectionOptions } from 'ioredis/built/connectors/StandaloneConnector.js';
import type { NetStream } from 'ioredis/built/types.js';

// ioredis 5 exports no standalone connector from its entry point; its package has no `exports` map, so the
// module is reachable by path (its named exports, or under `default` when a bundler wrapped it).
const { StandaloneConnector } = (
  (connectors as { StandaloneConnector?: unknown }).StandaloneConnector
    ? connectors
    : (connectors as unknown as { default: typeof connectors }).default
) as typeof connectors;

/**
 * ioredis's standalone connector with a lasting `error` listener on every socket it opens. ioredis listens for a
 * socket's first error only (`once`); a TLS socket can fail twice (the handshake refused, then the peer's alert
 * read), and a second error with no listener is an uncaught exception that ends the process. Errors still reach
 * the client through ioredis's own listener; this one only keeps a late one from crashing the process.
 *
 * @internal
 */
export class GuardedConnector extends StandaloneConnector {
  /** ioredis constructs its connector with the client's options (`ConnectorConstructor` takes them as `unknown`). */
  constructor(options: unknown) {
    super(options as StandaloneConnectionOptions);
  }

  override connect(callback: ErrorEmitter): Promise<NetStream> {
    return super.connect(callback).then((stream) => {
      stream.on('error', () => {});
      return stream;
    });
  }
}
