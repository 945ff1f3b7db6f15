import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../errors/mesh-error.js';
import { definePrompt } from '../prompt/prompt-definition.js';
import { defineResource, defineResourceTemplate } from '../resource/resource-definition.js';
import { createLocalFeatureHost } from './local-feature-host.js';

const text = async () => ({ text: 'x' });
const call = () => ({ signal: new AbortController().signal, correlationId: 'c1', hop: 0 });

function thrown(run: () => unknown): MeshError {
  try {
    run();
  } catch (error) {
    if (MeshError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('createLocalFeatureHost validation', () => {
  it('names the problem of a bad resource URI, template, complete key, prompt or argument name', () => {
    const cases: [() => unknown, RegExp, string][] = [
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            resources: [defineResource({ uri: 'no-scheme', name: 'a', handler: text })],
          }),
        /invalid resource URI "no-scheme"/,
        'uri',
      ],
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            resources: [defineResource({ uri: 'a://b', name: '', handler: text })],
          }),
        /name must be a string of 1 to 128/,
        'name',
      ],
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            resourceTemplates: [
              defineResourceTemplate({ uriTemplate: 'a://fixed', name: 't', handler: text }),
            ],
          }),
        /has no variables/,
        'uriTemplate',
      ],
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            resourceTemplates: [
              defineResourceTemplate({
                uriTemplate: 'a://{id}',
                name: 't',
                complete: { other: () => [] },
                handler: text,
              }),
            ],
          }),
        /complete\.other names no variable of the template \(variables: id\)/,
        'complete.other',
      ],
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            prompts: [definePrompt({ name: 'bad name', handler: async () => ({ messages: [] }) })],
          }),
        /invalid prompt name "bad name"/,
        'name',
      ],
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            prompts: [
              definePrompt({ name: 'p', arguments: { 'a b': {} }, handler: async () => ({ messages: [] }) }),
            ],
          }),
        /invalid argument name "a b"/,
        'arguments.a b',
      ],
      [
        () =>
          createLocalFeatureHost({
            id: 'n',
            resources: [defineResource({ uri: 'a://b', name: 'a', timeoutMs: -1, handler: text })],
          }),
        /timeoutMs must be a positive integer/,
        'timeoutMs',
      ],
    ];
    for (const [run, message, field] of cases) {
      const error = thrown(run);
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toMatch(message);
      expect(error.details.field).toBe(field);
    }
  });

  it('refuses duplicates with already_exists', () => {
    const resource = defineResource({ uri: 'a://b', name: 'a', handler: text });
    expect(thrown(() => createLocalFeatureHost({ id: 'n', resources: [resource, resource] })).code).toBe(
      'already_exists',
    );
  });
});

describe('createLocalFeatureHost behaviour', () => {
  it('fails a handler past its deadline with deadline_exceeded naming the limit', async () => {
    const host = createLocalFeatureHost({
      id: 'n',
      resources: [
        defineResource({
          uri: 'slow://one',
          name: 'slow',
          timeoutMs: 20,
          handler: (context) =>
            new Promise((_resolve, reject) =>
              context.signal.addEventListener('abort', () => reject(context.signal.reason)),
            ),
        }),
      ],
    });
    await expect(host.readResource('slow://one', call())).rejects.toMatchObject({
      code: 'deadline_exceeded',
      message: 'resource "slow://one" did not finish within its deadline of 20 ms',
    });
  });

  it('refuses content that is neither text nor binary, naming the resource', async () => {
    const host = createLocalFeatureHost({
      id: 'n',
      resources: [
        defineResource({ uri: 'bad://one', name: 'bad', handler: async () => ({ blob: 'not base64!' }) }),
      ],
    });
    await expect(host.readResource('bad://one', call())).rejects.toMatchObject({
      code: 'internal',
      message: 'resource "bad://one" returned content without a string text, Uint8Array blob or base64 blob',
    });
  });

  it('tells listeners of list changes and updates, and sends handler logs to the client sink', async () => {
    const records: unknown[] = [];
    const host = createLocalFeatureHost({
      id: 'n',
      prompts: [
        definePrompt({
          name: 'p',
          arguments: { band: { schema: z.enum(['3-5']) } },
          handler: async ({ band }, context) => {
            context.logger.info('rendering', { band });
            return { messages: [{ role: 'user', content: { type: 'text', text: band ?? '' } }] };
          },
        }),
      ],
    });
    const changes: unknown[] = [];
    host.onResourcesChanged((change) => changes.push(change));
    host.onPromptsChanged(() => changes.push('prompts'));
    host.addResource(defineResource({ uri: 'a://b', name: 'a', handler: text }));
    host.resourceUpdated('a://b');
    host.removePrompt('p');
    expect(changes).toEqual([{ kind: 'list_changed' }, { kind: 'updated', uri: 'a://b' }, 'prompts']);
    expect(() => host.resourceUpdated('nope')).toThrow(/needs an absolute URI/);

    host.addPrompt(
      definePrompt({
        name: 'q',
        handler: async (_args, context) => {
          context.logger.warn('careful', { token: 'secret-value' });
          return { messages: [] };
        },
      }),
    );
    await host.getPrompt('q', {}, { ...call(), onLog: (record) => records.push(record) });
    expect(records).toEqual([
      { level: 'warn', logger: 'q', data: { message: 'careful', token: '[redacted]' } },
    ]);
  });
});
