import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { toPublicError } from '../mcp/public-error.js';
import { createJsonLogger } from './logger.js';
import { redactSecretValues, registerSecretValues, secretValuesFromEnv } from './secret-values.js';
import { withSpan } from './tracing.js';

const KEY = 'sk-canary-0123456789abcdef';
const unregisters: Array<() => void> = [];
afterEach(() => {
  for (const unregister of unregisters.splice(0)) unregister();
});

describe('registered secret values', () => {
  it('are taken out of text wherever they appear, also URL-encoded and JSON-escaped', () => {
    unregisters.push(registerSecretValues([KEY, 'p@ss/word"x1', 'short', undefined]));
    expect(redactSecretValues(`401 key=${KEY}.`)).toBe('401 key=[redacted].');
    expect(redactSecretValues(`redis://u:${encodeURIComponent('p@ss/word"x1')}@h`)).toBe(
      'redis://u:[redacted]@h',
    );
    expect(redactSecretValues(JSON.stringify({ m: 'p@ss/word"x1' }))).toBe('{"m":"[redacted]"}');
    // Shorter than 8 characters: ignored, so ordinary words survive.
    expect(redactSecretValues('a short story')).toBe('a short story');
  });

  it('stop being redacted once every owner unregistered them', () => {
    const first = registerSecretValues([KEY]);
    const second = registerSecretValues([KEY]);
    first();
    expect(redactSecretValues(KEY)).toBe('[redacted]');
    second();
    expect(redactSecretValues(KEY)).toBe(KEY);
  });

  it('never reach a JSON log line, a span or a client error', async () => {
    unregisters.push(registerSecretValues([KEY]));
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
    const failure = new MeshError(`provider said: bad key ${KEY}`, 'unauthenticated', {
      details: { origin: 'http://10.0.0.9:7070' },
    });
    logger.debug(`call failed: ${failure.message}`, { error: failure, nested: { deeper: { text: KEY } } });
    expect(lines.join('\n')).not.toContain(KEY);

    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
      't',
    );
    await expect(
      withSpan('call', { tracer, attributes: { 'mesh.note': `key ${KEY}` } }, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(
      JSON.stringify(exporter.getFinishedSpans().map((span) => [span.attributes, span.events, span.status])),
    ).not.toContain(KEY);

    const shown = toPublicError(failure);
    expect(JSON.stringify(shown.toJSON())).not.toContain(KEY);
    expect(shown.details.origin).toBeUndefined();
  });

  it('are found in an environment by variable name and inside connection strings and URLs', () => {
    const values = secretValuesFromEnv({
      OPENAI_API_KEY: 'sk-1234567890',
      AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc123==;',
      BLOB_URL: 'https://a.blob.core.windows.net/c?sv=2024&sig=SiGnAtUrE%3D',
      REDIS_URL: 'redis://default:hunter2hunter2@redis:6379',
      LOG_LEVEL: 'debug',
    });
    expect(values).toEqual(
      expect.arrayContaining(['sk-1234567890', 'abc123==', 'SiGnAtUrE%3D', 'SiGnAtUrE=', 'hunter2hunter2']),
    );
    expect(values).not.toContain('debug');
  });
});
