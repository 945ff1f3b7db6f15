import type { Readable } from 'node:stream';

/**
 * Reads a whole body as UTF-8 text with `data` / `end` listeners, not `for await` (an async iterator, an
 * end-of-stream watcher and a promise a chunk, on every request an edge serves and every answer a link reads).
 * Rejects with `tooLarge()` once more than `maxBytes` arrived (the rest is not read: the stream is destroyed), with
 * the stream's error, or with an `ERR_STREAM_PREMATURE_CLOSE` error when it closes before its end (the client or
 * the call went away), as `for await` would.
 *
 * @internal
 */
export function readStreamText(stream: Readable, maxBytes: number, tooLarge: () => Error): Promise<string> {
  if (stream.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const done = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.byteLength;
      if (received > maxBytes) {
        done();
        // An error it emits while being destroyed has nowhere else to go.
        stream.on('error', () => {});
        stream.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      done();
      resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)).toString('utf8'));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
