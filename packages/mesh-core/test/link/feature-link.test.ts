import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/errors/mesh-error.js';
import { MeshService } from '../../src/gen/mesh/v1/mesh_pb.js';
import { createMeshServer, type MeshServer } from '../../src/link/mesh-server.js';
import { createPeerLink } from '../../src/link/peer-link.js';
import type { PeerLink } from '../../src/link/peer-link-types.js';
import { createLocalFeatureHost, type LocalFeatureHost } from '../../src/node/local-feature-host.js';
import type { ClientLogRecord } from '../../src/observability/client-logger.js';
import { definePrompt } from '../../src/prompt/prompt-definition.js';
import { defineResource, defineResourceTemplate } from '../../src/resource/resource-definition.js';
import { createTestHost } from './fixtures.js';

// The resource, prompt, completion and log side of the mesh service, through a real peer link on HTTP/2 (port 0):
// the node's LocalFeatureHost served by createMeshServer, read by createPeerLink.

const seen = { correlationIds: [] as string[], aborted: 0 };

function features(): LocalFeatureHost {
  return createLocalFeatureHost({
    id: 'node-f',
    resources: [
      defineResource({
        uri: 'docs://readme',
        name: 'readme',
        mimeType: 'text/markdown',
        handler: async (context) => {
          seen.correlationIds.push(context.correlationId);
          context.logger.info('reading readme', { pages: 1 });
          return { text: '# Hello' };
        },
      }),
      defineResource({
        uri: 'docs://bytes',
        name: 'bytes',
        handler: async () => ({ blob: Uint8Array.from([0, 255]) }),
      }),
      defineResource({
        uri: 'slow://never',
        name: 'never',
        handler: (context) =>
          new Promise((_resolve, reject) => {
            context.signal.addEventListener('abort', () => {
              seen.aborted += 1;
              reject(context.signal.reason);
            });
          }),
      }),
    ],
    resourceTemplates: [
      defineResourceTemplate({
        uriTemplate: 'stories://{date}',
        name: 'story',
        complete: { date: (value) => ['2026-01-01', '2026-02-02'].filter((date) => date.startsWith(value)) },
        list: async (context) => {
          context.logger.warn('listing stories');
          return [{ uri: 'stories://2026-01-01', name: 'first' }];
        },
        handler: async (_uri, { date }) => ({ text: `story of ${date}` }),
      }),
    ],
    prompts: [
      definePrompt({
        name: 'greet',
        arguments: { who: { required: true, complete: () => ['world', 'mesh'] } },
        handler: async ({ who }, context) => {
          context.logger.error('greeting', { apiKey: 'sk-secret' });
          return { messages: [{ role: 'user', content: { type: 'text', text: `hello ${who}` } }] };
        },
      }),
    ],
  });
}

describe('a peer link to a node with resources and prompts', () => {
  let host: LocalFeatureHost;
  let server: MeshServer;
  let link: PeerLink;
  const metadata = (correlationId = 'c-1', hop = 1) => ({ correlationId, hop });

  beforeAll(async () => {
    host = features();
    server = createMeshServer({
      host: createTestHost('node-f'),
      features: { resources: host, prompts: host, completion: host },
      maxHops: 3,
    });
    await server.start();
    link = createPeerLink({ url: server.url, watchBackoff: { initialMs: 20, maxMs: 50 } });
  });
  afterAll(async () => {
    await link?.close();
    await server?.close({ timeoutMs: 100 });
  });

  it('reports its features', async () => {
    expect(await link.features?.()).toEqual({
      resources: true,
      resourceSubscribe: true,
      prompts: true,
      completions: true,
      logging: true,
    });
  });

  it('lists, reads (text and binary) and passes log records back with the correlation id', async () => {
    const logs: ClientLogRecord[] = [];
    const resources = await link.listResources?.({
      metadata: metadata(),
      onLog: (record) => logs.push(record),
    });
    expect(resources?.map((resource) => resource.uri)).toEqual([
      'docs://readme',
      'docs://bytes',
      'slow://never',
      'stories://2026-01-01',
    ]);
    expect(await link.listResourceTemplates?.({ metadata: metadata() })).toEqual([
      expect.objectContaining({ uriTemplate: 'stories://{date}', name: 'story' }),
    ]);
    const read = await link.readResource?.('docs://readme', {
      metadata: metadata('c-read'),
      onLog: (record) => logs.push(record),
    });
    expect(read?.contents).toEqual([{ uri: 'docs://readme', mimeType: 'text/markdown', text: '# Hello' }]);
    expect(seen.correlationIds).toContain('c-read');
    expect(logs).toEqual([
      { level: 'warn', logger: 'story', data: 'listing stories' },
      { level: 'info', logger: 'readme', data: { message: 'reading readme', pages: 1 } },
    ]);
    const bytes = await link.readResource?.('docs://bytes', { metadata: metadata() });
    expect(bytes?.contents[0]).toMatchObject({
      uri: 'docs://bytes',
      blob: Buffer.from([0, 255]).toString('base64'),
    });
    expect((await link.readResource?.('stories://2026-01-01', { metadata: metadata() }))?.contents).toEqual([
      { uri: 'stories://2026-01-01', text: 'story of 2026-01-01' },
    ]);
  });

  it('gets prompts and completes, with errors carrying their codes', async () => {
    const logs: ClientLogRecord[] = [];
    const prompt = await link.getPrompt?.(
      'greet',
      { who: 'world' },
      { metadata: metadata(), onLog: (record) => logs.push(record) },
    );
    expect(prompt?.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'hello world' } }]);
    expect(logs).toEqual([
      { level: 'error', logger: 'greet', data: { message: 'greeting', apiKey: '[redacted]' } },
    ]);
    expect(
      await link.complete?.(
        {
          ref: { type: 'ref/resource', uri: 'stories://{date}' },
          argument: { name: 'date', value: '2026-0' },
          arguments: {},
        },
        { metadata: metadata() },
      ),
    ).toEqual({ values: ['2026-01-01', '2026-02-02'] });
    expect(
      await link.complete?.(
        { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: '' }, arguments: {} },
        { metadata: metadata() },
      ),
    ).toEqual({ values: ['world', 'mesh'] });
    await expect(link.getPrompt?.('greet', {}, { metadata: metadata() })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(link.getPrompt?.('nope', {}, { metadata: metadata() })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(link.readResource?.('docs://missing', { metadata: metadata() })).rejects.toMatchObject({
      code: 'not_found',
      details: { reason: 'unknown_resource' },
    });
  });

  it('carries the deadline and the cancellation to the handler, and refuses too many hops', async () => {
    const before = seen.aborted;
    await expect(
      link.readResource?.('slow://never', { metadata: metadata(), timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: 'deadline_exceeded' });
    const controller = new AbortController();
    const canceled = link.readResource?.('slow://never', { metadata: metadata(), signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(canceled).rejects.toMatchObject({ code: 'canceled' });
    await expect.poll(() => seen.aborted, { timeout: 3_000 }).toBe(before + 2);
    await expect(link.listPrompts?.({ metadata: metadata('c-hops', 4) })).rejects.toMatchObject({
      code: 'failed_precondition',
      details: { limit: 3 },
    });
  });

  it('sends list changes and resource updates to watchers and subscribers', async () => {
    const events: string[] = [];
    const stopWatching = link.watchEvents((event) => events.push(event.kind));
    const updates: string[] = [];
    const stop = link.subscribeResource?.('docs://readme', () => updates.push('docs://readme'));
    // The watch stream opens with the lists to re-read.
    await expect
      .poll(() => events.slice(0, 3), { timeout: 3_000 })
      .toEqual(['tools_changed', 'resources_changed', 'prompts_changed']);
    await expect
      .poll(
        () => {
          host.resourceUpdated('docs://readme');
          host.resourceUpdated('docs://bytes');
          return updates.length;
        },
        { timeout: 3_000 },
      )
      .toBeGreaterThan(0);
    host.addPrompt(
      definePrompt({
        name: 'later',
        handler: async () => ({ messages: [] }),
      }),
    );
    await expect
      .poll(() => events.includes('prompts_changed') && events.lastIndexOf('prompts_changed') > 2)
      .toBe(true);
    stop?.();
    stopWatching();
    const count = updates.length;
    host.resourceUpdated('docs://readme');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(updates.length).toBe(count);
  });
});

describe('peers without the feature methods', () => {
  it('a node without features answers unimplemented; an older node without the methods reports no features', async () => {
    const bare = createMeshServer({ host: createTestHost('bare') });
    await bare.start();
    // An older node: the mesh service as it was, with ListTools and Health only.
    const old = http2.createServer(
      connectNodeAdapter({
        routes: (router) =>
          router.service(MeshService, {
            listTools: () => ({ tools: [] }),
            health: () => ({ nodeId: 'old' }),
          }),
      }),
    );
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    const bareLink = createPeerLink({ url: bare.url });
    const oldLink = createPeerLink({ url: `http://127.0.0.1:${(old.address() as AddressInfo).port}` });
    try {
      expect((await bareLink.features?.())?.resources).toBe(false);
      await expect(
        bareLink.listPrompts?.({ metadata: { correlationId: 'c', hop: 1 } }),
      ).rejects.toMatchObject({
        code: 'unimplemented',
        details: { reason: 'feature_absent' },
      });
      expect(await oldLink.features?.()).toEqual({
        resources: false,
        resourceSubscribe: false,
        prompts: false,
        completions: false,
        logging: false,
      });
      await expect(
        oldLink.readResource?.('docs://x', { metadata: { correlationId: 'c', hop: 1 } }),
      ).rejects.toSatisfy((error) => MeshError.isInstance(error) && error.code === 'unimplemented');
    } finally {
      await bareLink.close();
      await oldLink.close();
      await bare.close({ timeoutMs: 100 });
      await new Promise<void>((resolve) => old.close(() => resolve()));
    }
  });

  it('a server without the routes at all (HTTP 404) counts as a node without features', async () => {
    const bare = http2.createServer((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const link = createPeerLink({ url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}` });
    try {
      expect((await link.features?.())?.resources).toBe(false);
      await expect(link.listPrompts?.({ metadata: { correlationId: 'c', hop: 1 } })).rejects.toMatchObject({
        code: 'unimplemented',
      });
    } finally {
      await link.close();
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });

  it('a peer that sends a malformed result fails the request internal, naming the field', async () => {
    const broken = http2.createServer(
      connectNodeAdapter({
        routes: (router) =>
          router.service(MeshService, {
            async *readResource() {
              yield { event: { case: 'resultJson', value: '{"contents": 5}' } };
            },
            listPrompts: () => ({ promptsJson: '[{"title": "no name"}]' }),
          }),
      }),
    );
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const link = createPeerLink({ url: `http://127.0.0.1:${(broken.address() as AddressInfo).port}` });
    try {
      await expect(
        link.readResource?.('docs://x', { metadata: { correlationId: 'c', hop: 1 } }),
      ).rejects.toMatchObject({
        code: 'internal',
        details: { field: 'result_json' },
      });
      await expect(link.listPrompts?.({ metadata: { correlationId: 'c', hop: 1 } })).rejects.toMatchObject({
        code: 'internal',
        details: { field: 'prompts_json[0].name' },
      });
    } finally {
      await link.close();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });

  it('a subscription reports its loss when the peer goes away', async () => {
    const host = features();
    const server = createMeshServer({ host: createTestHost('gone'), features: { resources: host } });
    await server.start();
    const link = createPeerLink({ url: server.url, watchBackoff: { initialMs: 20, maxMs: 50 } });
    const errors: MeshError[] = [];
    const stop = link.subscribeResource?.('docs://readme', () => {}, {
      onError: (error) => errors.push(error),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await server.close({ timeoutMs: 100 });
      await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(errors[0]?.code).toBe('unavailable');
    } finally {
      stop?.();
      await link.close();
    }
  });
});
