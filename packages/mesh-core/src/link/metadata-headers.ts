import { MESH_HEADERS } from './mesh-service.js';
import type { LinkCallMetadata } from './peer-link-types.js';

/**
 * The request headers of a call's metadata (see docs/reference/wire.md "Headers"): `mesh-correlation-id`,
 * `mesh-hop`, `traceparent`, `tracestate` and `mesh-budget-id` (the last three only when set), plus
 * `authorization` when the link signs its calls. The one place where metadata becomes headers: every peer
 * transport calls it, whatever path a call takes (call channel, lean unary, Connect).
 *
 * @internal
 */
export function metadataHeaders(
  metadata: LinkCallMetadata | undefined,
  authorization: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (metadata) {
    headers[MESH_HEADERS.correlationId] = metadata.correlationId;
    headers[MESH_HEADERS.hop] = String(metadata.hop);
    if (metadata.traceparent) headers[MESH_HEADERS.traceparent] = metadata.traceparent;
    if (metadata.tracestate) headers[MESH_HEADERS.tracestate] = metadata.tracestate;
    if (metadata.budgetId) headers[MESH_HEADERS.budgetId] = metadata.budgetId;
  }
  if (authorization !== undefined) headers[MESH_HEADERS.authorization] = authorization;
  return headers;
}
