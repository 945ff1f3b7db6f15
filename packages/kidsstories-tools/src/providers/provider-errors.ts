import { MeshError, type MeshErrorCode, type MeshErrorDetails } from '@kidsstories/mesh-core';
import { redactSecretValues } from '@kidsstories/mesh-core/observability';
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from 'openai';

/**
 * An HTTP failure answered by a provider that is not reached through the `openai` client (Runware, a raw
 * `fetch`). Pass it to {@link meshErrorFromProvider} so that every provider failure is mapped in one place.
 */
export interface ProviderHttpFailure {
  /** HTTP status code of the response. */
  status: number;
  /** Response headers (`Retry-After`, `retry-after-ms`, `x-request-id` are read). */
  headers?: Headers;
  /** The provider's error message, when it sent one. */
  message?: string;
  /** The provider's machine-readable error code (`content_filter`, `invalidApiKey`…), when it sent one. */
  code?: string;
}

/** Options for {@link meshErrorFromProvider}. */
export interface ProviderErrorOptions {
  /** Provider name put in the message and in `details.provider` (`azure-openai`, `runware`…). Default `provider`. */
  provider?: string;
  /** Clock used to turn an HTTP-date `Retry-After` into milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Provider error codes (Azure OpenAI, OpenAI, Runware) that mean the content was refused by a safety policy. */
const CONTENT_POLICY_CODES = new Set([
  'content_filter',
  'content_policy_violation',
  'contentfilter',
  'responsibleaipolicyviolation',
  'moderation_blocked',
  'contentmoderation',
  'invalidcontent',
]);

/** Message fragments providers use for content-policy refusals when the code is missing or generic. */
const CONTENT_POLICY_MESSAGE =
  /content (management )?polic|content[_ ]filter|safety system|content moderation|nsfw/i;

/** Node and undici error codes of a connection that failed before any response: safe to retry elsewhere. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Undici codes of a response that did not arrive in time. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The one boundary where provider failures (the `openai` client's errors, HTTP failures from Runware or any
 * `fetch`, network errors, aborts) become {@link MeshError}s, so the mesh's retry, failover and tier policies
 * can act on them:
 *
 * | Provider failure | Mesh code |
 * | --- | --- |
 * | 429 | `resource_exhausted`, `details.retryAfterMs` from `retry-after-ms` or `Retry-After` (seconds or date) |
 * | 5xx, connection refused/reset, DNS failure | `unavailable` (with `retryAfterMs` when the server sent one) |
 * | 401 / 403 | `unauthenticated` / `permission_denied` |
 * | content policy / content filter (any status, or a `content_filter` finish reason) | `failed_precondition` |
 * | 400, 422 | `invalid_argument` |
 * | 404 | `not_found` |
 * | 408, client or socket timeouts | `deadline_exceeded` |
 * | aborted by the caller's signal | `canceled` |
 * | anything else | `internal` (a server fault is never reported as the caller's) |
 *
 * Details carry `provider`, `httpStatus`, `providerCode` and `requestId` when known; never credentials. The
 * message is the provider's text with every registered secret value taken out (see `registerSecretValues`).
 *
 * @example
 * ```ts
 * try {
 *   await client.images.generate({ model: 'dall-e-3', prompt });
 * } catch (error) {
 *   throw meshErrorFromProvider(error, { provider: 'azure-openai' });
 * }
 * ```
 */
export function meshErrorFromProvider(reason: unknown, options: ProviderErrorOptions = {}): MeshError {
  if (MeshError.isInstance(reason)) return reason;
  const provider = options.provider ?? 'provider';
  const now = options.now ?? Date.now;
  // Provider text is passed on, so a key a provider or proxy echoes is taken out here (registerSecretValues).
  const make = (message: string, code: MeshErrorCode, details: MeshErrorDetails = {}) =>
    new MeshError(redactSecretValues(`${provider}: ${message}`), code, {
      cause: reason,
      details: { provider, ...details },
    });

  if (reason instanceof APIUserAbortError || isNamed(reason, 'AbortError')) {
    return make('request was canceled', 'canceled');
  }
  if (reason instanceof APIConnectionTimeoutError || isNamed(reason, 'TimeoutError')) {
    return make('request timed out', 'deadline_exceeded');
  }
  // Thrown by the client's `.parse()` helpers; matched by name so no deep import is needed.
  if (isNamed(reason, 'ContentFilterFinishReasonError')) {
    return make('output was blocked by the content filter', 'failed_precondition', {
      providerCode: 'content_filter',
    });
  }
  if (isNamed(reason, 'LengthFinishReasonError')) {
    return make('output was cut off at the token limit', 'failed_precondition', { providerCode: 'length' });
  }
  const networkCode = networkErrorCode(reason);
  if (networkCode !== undefined && TIMEOUT_CODES.has(networkCode)) {
    return make(`request timed out (${networkCode})`, 'deadline_exceeded', { providerCode: networkCode });
  }
  if (
    reason instanceof APIConnectionError ||
    (networkCode !== undefined && CONNECTION_CODES.has(networkCode))
  ) {
    const suffix = networkCode === undefined ? '' : ` (${networkCode})`;
    return make(
      `connection failed${suffix}`,
      'unavailable',
      networkCode ? { providerCode: networkCode } : {},
    );
  }

  const http = httpFailureOf(reason);
  if (http !== undefined) return fromHttp(http, make, now);

  if (reason instanceof Error) return make(reason.message, 'internal');
  return make(String(reason), 'internal');
}

/** Maps an HTTP failure; split out to keep the branches readable. */
function fromHttp(
  http: ProviderHttpFailure,
  make: (message: string, code: MeshErrorCode, details?: MeshErrorDetails) => MeshError,
  now: () => number,
): MeshError {
  const details: MeshErrorDetails = { httpStatus: http.status };
  if (http.code) details.providerCode = http.code;
  const requestId = http.headers?.get('x-request-id') ?? http.headers?.get('apim-request-id');
  if (requestId) details.requestId = requestId;
  const retryAfterMs = retryAfterMsOf(http.headers, now);
  if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
  const message = http.message ? `${http.status} ${http.message}` : `HTTP ${http.status}`;

  if (isContentPolicy(http))
    return make(`refused by the content policy: ${message}`, 'failed_precondition', details);
  const status = http.status;
  if (status === 429) return make(message, 'resource_exhausted', details);
  if (status >= 500) return make(message, 'unavailable', details);
  if (status === 401) return make(message, 'unauthenticated', details);
  if (status === 403) return make(message, 'permission_denied', details);
  if (status === 400 || status === 422 || status === 413) return make(message, 'invalid_argument', details);
  if (status === 404) return make(message, 'not_found', details);
  if (status === 408) return make(message, 'deadline_exceeded', details);
  if (status === 409) return make(message, 'aborted', details);
  if (status === 499) return make(message, 'canceled', details);
  return make(message, 'internal', details);
}

/**
 * Reads how long to wait from `retry-after-ms` (milliseconds, Azure OpenAI) or `Retry-After` (delta seconds
 * or an HTTP date, RFC 9110 §10.2.3). Undefined when neither is present or parsable.
 */
export function retryAfterMsOf(
  headers: Headers | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '') {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null || retryAfter.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}

function isContentPolicy(http: ProviderHttpFailure): boolean {
  if (http.code && CONTENT_POLICY_CODES.has(http.code.toLowerCase())) return true;
  // A rate limit is never the content's fault, whatever its text says. A 5xx can be (Runware reports a
  // moderation refusal of an async task as a failed task, mapped here with status 502).
  if (http.status === 429) return false;
  return http.message !== undefined && CONTENT_POLICY_MESSAGE.test(http.message);
}

/** Extracts status, headers, message and code from an `openai` APIError or a {@link ProviderHttpFailure}. */
function httpFailureOf(reason: unknown): ProviderHttpFailure | undefined {
  if (typeof reason !== 'object' || reason === null) return undefined;
  const candidate = reason as Record<string, unknown>;
  if (typeof candidate.status !== 'number') return undefined;
  const failure: ProviderHttpFailure = { status: candidate.status };
  if (candidate.headers instanceof Headers) failure.headers = candidate.headers;
  // openai's APIError keeps the body's `error` object; Azure nests the policy code in `innererror`.
  const body = isRecord(candidate.error) ? candidate.error : undefined;
  const bodyMessage = body && typeof body.message === 'string' ? body.message : undefined;
  const message = bodyMessage ?? (typeof candidate.message === 'string' ? candidate.message : undefined);
  if (message) failure.message = stripStatusPrefix(message, candidate.status);
  const inner = body && isRecord(body.innererror) ? body.innererror : undefined;
  const codes = [inner?.code, candidate.code, body?.code].filter(
    (code): code is string => typeof code === 'string',
  );
  const policyCode = codes.find((code) => CONTENT_POLICY_CODES.has(code.toLowerCase()));
  const code = policyCode ?? codes[0];
  if (code) failure.code = code;
  return failure;
}

function stripStatusPrefix(message: string, status: number): string {
  const prefix = `${status} `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** The Node/undici error code of a network failure, looking through `cause` chains (`fetch failed`). */
function networkErrorCode(reason: unknown): string | undefined {
  let current: unknown = reason;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || TIMEOUT_CODES.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when the error's `name` or class name is `name` (openai's error classes do not set `name`). */
function isNamed(reason: unknown, name: string): boolean {
  if (typeof reason !== 'object' || reason === null) return false;
  return (reason as { name?: unknown }).name === name || reason.constructor?.name === name;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
