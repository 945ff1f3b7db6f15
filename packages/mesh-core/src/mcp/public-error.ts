import { MeshError } from '../errors/mesh-error.js';
import { redactSecretValues } from '../observability/secret-values.js';

/** An absolute URL (http, https, h2c, ws, redis…): where a node or a service lives inside the deployment. */
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** What replaces an internal address in an error sent to a client. */
export const INTERNAL_ADDRESS = '[internal address]';

/**
 * `error` as an MCP client may see it: internal addresses (the URLs of nodes and replicas in `details.origin`
 * and in the message) and the value of every registered secret (see `registerSecretValues`) are taken out. The
 * full error stays in logs and traces. Returns `error` itself when there is nothing to take out.
 *
 * @example
 * ```ts
 * toPublicError(new MeshError('http://10.0.0.7:7070 did not answer', 'unavailable', { details: { origin: 'http://10.0.0.7:7070' } }));
 * // message '[internal address] did not answer', no details.origin
 * ```
 */
export function toPublicError(error: MeshError): MeshError {
  const origin = error.details.origin;
  const internalOrigin = typeof origin === 'string' && origin.includes('://');
  const message = redactSecretValues(error.message.replace(URL_PATTERN, INTERNAL_ADDRESS));
  if (!internalOrigin && message === error.message) return error;
  const details = { ...error.details };
  if (internalOrigin) delete details.origin;
  return new MeshError(message, error.code, { cause: error, details });
}
