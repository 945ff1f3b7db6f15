import { MeshError } from '@kidsstories/mesh-core';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { meshErrorFromProvider, retryAfterMsOf } from '../../src/providers/provider-errors.js';

const apiError = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  APIError.generate(status, body as object, undefined, new Headers(headers));

describe('meshErrorFromProvider', () => {
  it('maps 429 to resource_exhausted with retryAfterMs from Retry-After seconds', () => {
    const error = meshErrorFromProvider(
      apiError(429, { error: { message: 'slow down' } }, { 'retry-after': '7' }),
      {
        provider: 'azure-openai',
      },
    );
    expect(error).toBeInstanceOf(MeshError);
    expect(error.code).toBe('resource_exhausted');
    expect(error.details.retryAfterMs).toBe(7000);
    expect(error.details.httpStatus).toBe(429);
    expect(error.details.provider).toBe('azure-openai');
    expect(error.message).toBe('azure-openai: 429 slow down');
  });

  it('prefers retry-after-ms and parses an HTTP-date Retry-After against the injected clock', () => {
    const both = new Headers({ 'retry-after-ms': '1250.5', 'retry-after': '9' });
    expect(retryAfterMsOf(both)).toBe(1251);
    const now = Date.parse('2026-01-01T00:00:00Z');
    const date = new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' });
    expect(retryAfterMsOf(date, () => now)).toBe(30_000);
    expect(retryAfterMsOf(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMsOf(new Headers())).toBeUndefined();
  });

  it.each([
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [504, 'unavailable'],
    [401, 'unauthenticated'],
    [403, 'permission_denied'],
    [400, 'invalid_argument'],
    [422, 'invalid_argument'],
    [404, 'not_found'],
    [408, 'deadline_exceeded'],
    [409, 'aborted'],
    [418, 'internal'],
  ] as const)('maps HTTP %i to %s', (status, code) => {
    expect(meshErrorFromProvider(apiError(status, { error: { message: 'x' } })).code).toBe(code);
    expect(meshErrorFromProvider({ status, message: 'x' }).code).toBe(code);
  });

  it('keeps retryAfterMs on a 503 so the mesh can back off', () => {
    const error = meshErrorFromProvider({ status: 503, headers: new Headers({ 'retry-after': '2' }) });
    expect(error.code).toBe('unavailable');
    expect(error.details.retryAfterMs).toBe(2000);
  });

  it('maps Azure content_filter (nested innererror) and DALL-E content_policy_violation to failed_precondition', () => {
    const azure = apiError(400, {
      error: {
        code: 'content_filter',
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        innererror: { code: 'ResponsibleAIPolicyViolation' },
      },
    });
    const mapped = meshErrorFromProvider(azure);
    expect(mapped.code).toBe('failed_precondition');
    expect(mapped.details.providerCode).toBe('ResponsibleAIPolicyViolation');
    const dalle = apiError(400, {
      error: {
        code: 'content_policy_violation',
        message: 'Your request was rejected as a result of our safety system.',
      },
    });
    expect(meshErrorFromProvider(dalle).code).toBe('failed_precondition');
    const byMessageOnly = meshErrorFromProvider({ status: 400, message: 'blocked by our safety system' });
    expect(byMessageOnly.code).toBe('failed_precondition');
  });

  it('never reads a 429 as a content-policy refusal', () => {
    expect(meshErrorFromProvider({ status: 429, message: 'content filter capacity exceeded' }).code).toBe(
      'resource_exhausted',
    );
  });

  it('maps aborts to canceled and timeouts to deadline_exceeded', () => {
    expect(meshErrorFromProvider(new APIUserAbortError()).code).toBe('canceled');
    expect(meshErrorFromProvider(new DOMException('stop', 'AbortError')).code).toBe('canceled');
    expect(meshErrorFromProvider(new APIConnectionTimeoutError()).code).toBe('deadline_exceeded');
    expect(meshErrorFromProvider(new DOMException('late', 'TimeoutError')).code).toBe('deadline_exceeded');
    const headersTimeout = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
    });
    expect(meshErrorFromProvider(headersTimeout).code).toBe('deadline_exceeded');
  });

  it('maps connection failures, including through fetch cause chains, to unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(meshErrorFromProvider(new APIConnectionError({ cause: refused })).code).toBe('unavailable');
    const fetchFailed = Object.assign(new TypeError('fetch failed'), { cause: refused });
    const mapped = meshErrorFromProvider(fetchFailed, { provider: 'runware' });
    expect(mapped.code).toBe('unavailable');
    expect(mapped.details.providerCode).toBe('ECONNREFUSED');
  });

  it('returns a MeshError unchanged and reports unknown failures as internal, never as the caller’s fault', () => {
    const original = new MeshError('already mapped', 'not_found');
    expect(meshErrorFromProvider(original)).toBe(original);
    expect(meshErrorFromProvider(new Error('boom')).code).toBe('internal');
    expect(meshErrorFromProvider('weird').code).toBe('internal');
  });

  it('keeps request ids and never copies credentials from headers', () => {
    const error = meshErrorFromProvider(
      apiError(500, { error: { message: 'oops' } }, { 'x-request-id': 'req-1', 'api-key': 'sk-secret' }),
    );
    expect(error.details.requestId).toBe('req-1');
    expect(JSON.stringify(error.toJSON())).not.toContain('sk-secret');
  });
});
