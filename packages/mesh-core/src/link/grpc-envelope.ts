import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { fromBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';

// gRPC's length-prefixed messages (a flags byte, a 4-byte big-endian length, the message), as the lean gRPC
// paths and the call channel write and read them.

/** Bytes before each message: the flags byte and the length. @internal */
export const ENVELOPE_HEADER_BYTES = 5;
const FLAG_COMPRESSED = 0b01;

/** One uncompressed message in its envelope. @internal */
export function envelope(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, ENVELOPE_HEADER_BYTES);
  return frame;
}

/** Options for {@link createEnvelopeReader}. @internal */
export interface EnvelopeReaderOptions<Desc extends DescMessage> {
  /** The message type. */
  schema: Desc;
  /** Largest message accepted, in bytes. */
  readMaxBytes: number;
  /** The error for a compressed envelope (client and server word it as Connect does on each side). */
  compressedError: () => ConnectError;
  /** Called with each message, in order; return `false` to stop reading (the stream is over). */
  onMessage: (message: MessageShape<Desc>) => boolean;
  /** Called once with the first protocol error; nothing is read after it. */
  onError: (error: ConnectError) => void;
}

/** Reads enveloped messages from a stream's chunks, however they are split. @internal */
export interface EnvelopeReader {
  /** Reads the messages complete with `chunk`. */
  push(chunk: Buffer): void;
  /** True while part of a message is buffered (at the end of a stream: an incomplete envelope). */
  readonly partial: boolean;
}

/**
 * A reader of a stream of uncompressed enveloped messages with Connect's limits: a compressed envelope fails,
 * as does one whose header announces more than `readMaxBytes` (as soon as the header arrives) or whose message
 * does not parse (`internal`, "parse binary: …").
 *
 * @internal
 */
export function createEnvelopeReader<Desc extends DescMessage>(
  options: EnvelopeReaderOptions<Desc>,
): EnvelopeReader {
  let buffered: Buffer | undefined;
  let failed = false;
  const fail = (error: ConnectError) => {
    failed = true;
    buffered = undefined;
    options.onError(error);
  };
  return {
    push(chunk) {
      if (failed) return;
      let data = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
      buffered = undefined;
      while (data.byteLength >= ENVELOPE_HEADER_BYTES) {
        if ((data[0]! & FLAG_COMPRESSED) === FLAG_COMPRESSED) return fail(options.compressedError());
        const length = data.readUInt32BE(1);
        if (length > options.readMaxBytes) {
          return fail(
            new ConnectError(
              `message size ${length} is larger than configured readMaxBytes ${options.readMaxBytes}`,
              Code.ResourceExhausted,
            ),
          );
        }
        if (data.byteLength < ENVELOPE_HEADER_BYTES + length) break;
        let message: MessageShape<Desc>;
        try {
          message = fromBinary(
            options.schema,
            data.subarray(ENVELOPE_HEADER_BYTES, ENVELOPE_HEADER_BYTES + length),
          );
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          return fail(new ConnectError(`parse binary: ${text}`, Code.Internal));
        }
        data = data.subarray(ENVELOPE_HEADER_BYTES + length);
        if (!options.onMessage(message)) {
          failed = true;
          return;
        }
      }
      if (data.byteLength > 0) buffered = Buffer.from(data);
    },
    get partial() {
      return buffered !== undefined;
    },
  };
}
