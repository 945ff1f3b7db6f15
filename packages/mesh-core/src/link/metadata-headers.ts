import type { CallMetadata } from '../call/call-metadata.js';
import { callMetadataToWire, MESH_HEADERS } from './wire-metadata.js';

/**
 * The request headers of a call: its metadata's (`callMetadataToWire`, see docs/reference/wire.md "Headers")
 * plus `authorization` when the link signs its calls. Every peer transport calls it, whatever path a call takes
 * (call channel, lean unary, Connect).
 *
 * @internal
 */
export function metadataHeaders(
  metadata: CallMetadata | undefined,
  authorization: string | undefined,
): Record<string, string> {
  const headers = metadata ? callMetadataToWire(metadata) : {};
  if (authorization !== undefined) headers[MESH_HEADERS.authorization] = authorization;
  return headers;
}
