import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import * as z from 'zod';
import { MeshError } from '../../src/errors/mesh-error.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import type { FeatureCall } from '../../src/host/feature-host.js';
import type { InboundCall } from '../../src/host/tool-host.js';
import { createHmacPeerAuth } from '../../src/link/peer-auth.js';
import { createPeerLink, peerLinkInFlight } from '../../src/link/peer-link.js';
import type { LinkCallOptions, PeerLink } from '../../src/link/peer-link-types.js';
import { createLocalFeatureHost } from '../../src/node/local-feature-host.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { definePrompt } from '../../src/prompt/prompt-definition.js';
import { defineResource } from '../../src/resource/resource-definition.js';
import {
  createInMemoryMeshServer,
  createInMemoryPeerTransport,
  type InMemoryMeshServer,
} from '../../src/testing/in-memory-mesh-server.js';
import { eventually } from '../../src/testing/test-helpers.js';
import type { MeshClient, ToolProgress } from '../../src/tool/tool-context.js';
import { defineTool } from '../../src/tool/tool-definition.js';
import { memoryPorts } from '../mcp/fixtures.js';

// Issue 16: a mesh of three nodes (text; media with two replicas; library) and a gateway, every link running over
// the in-memory transport of `@kidsstories/mesh-core/testing`: the real mesh service handlers, codecs, hop checks
// and error mapping, and not one socket.

/** What the media replicas' handlers saw. */
const seenByMedia: Array<{ nodeId: string; correlationId: string; hop: number }> = [];

function mediaHost(id: string) {
  return createLocalToolHost({
    id,
    ports: memoryPorts(),
    tools: [
      defineTool({
        name: 'draw',
        description: 'Draws a picture of a subject.',
        inputSchema: z.object({ subject: z.string() }),
        outputSchema: z.object({ picture: z.string(), by: z.string() }),
        handler: async ({ subject }, context) => {
          seenByMedia.push({
            nodeId: context.nodeId,
            correlationId: context.correlationId,
            hop: context.hop,
          });
          return { structuredContent: { picture: `a picture of ${subject}`, by: context.nodeId } };
        },
      }),
    ],
  });
}

/** A `MeshClient` over a peer link: `ToolContext.mesh` hands the link the metadata it needs (`LinkCallOptions`). */
function meshClientOver(link: () => PeerLink): MeshClient {
  return {
    callTool: (name, args, options) =>
      link().callTool(name, args, options as LinkCallOptions & { allowInputRequired?: false }),
    listTools: (options) => link().listTools(options),
  };
}

function inbound(overrides: Partial<InboundCall> = {}): InboundCall {
  return { signal: new AbortController().signal, correlationId: 'corr-in-memory', hop: 0, ...overrides };
}

function featureCall(): FeatureCall {
  return { signal: new AbortController().signal, correlationId: 'corr-features', hop: 0 };
}

describe('a mesh over the in-memory transport', () => {
  let gateway: Gateway;
  let gatewayServer: InMemoryMeshServer;
  let gatewayLink: PeerLink;
  let mediaA: InMemoryMeshServer;
  let mediaB: InMemoryMeshServer;
  let connects: MockInstance<typeof net.Socket.prototype.connect>;
  let listens: MockInstance<typeof net.Server.prototype.listen>;

  beforeAll(async () => {
    // Every TCP or IPC connection and every listening server goes through these two methods.
    connects = vi.spyOn(net.Socket.prototype, 'connect');
    listens = vi.spyOn(net.Server.prototype, 'listen');

    const text = createLocalToolHost({
      id: 'text',
      ports: memoryPorts(),
      mesh: meshClientOver(() => gatewayLink),
      tools: [
        defineTool({
          name: 'write_story',
          description: 'Writes a story and has it illustrated by the media node.',
          inputSchema: z.object({ title: z.string() }),
          handler: async ({ title }, context) => {
            context.reportProgress({ progress: 1, total: 2, message: 'written' });
            // A tool-to-tool call: through the gateway (over its in-memory server) to a media replica.
            const drawn = await context.mesh.callTool('draw', { subject: title });
            context.reportProgress({ progress: 2, total: 2, message: 'illustrated' });
            const picture = (drawn.structuredContent as { picture: string }).picture;
            return { content: [{ type: 'text', text: `${title}, with ${picture}` }] };
          },
        }),
        defineTool({
          name: 'spend',
          description: 'Refuses: the budget is spent.',
          inputSchema: z.object({}),
          handler: async () => {
            throw new MeshError('the budget "kids" is spent', 'failed_precondition', {
              details: { budgetId: 'kids', limit: 5, limitUnit: 'usd' },
            });
          },
        }),
      ],
    });
    const library = createLocalFeatureHost({
      id: 'library',
      resources: [
        defineResource({
          uri: 'library://shelf',
          name: 'shelf',
          mimeType: 'text/plain',
          handler: async (context) => ({ text: `the shelf of ${context.nodeId}` }),
        }),
      ],
      prompts: [
        definePrompt({
          name: 'story_request',
          description: 'Asks for a story.',
          arguments: { theme: {} },
          handler: async ({ theme }) => ({
            messages: [
              { role: 'user', content: { type: 'text', text: `a story about ${theme ?? 'anything'}` } },
            ],
          }),
        }),
      ],
    });
    const libraryTools = createLocalToolHost({ id: 'library', ports: memoryPorts(), tools: [] });

    mediaA = createInMemoryMeshServer({ host: mediaHost('media-a') });
    mediaB = createInMemoryMeshServer({ host: mediaHost('media-b') });
    gateway = createGateway({
      id: 'gateway',
      ports: memoryPorts(),
      peers: [
        { name: 'text', replicas: [createPeerLink({ transport: createInMemoryPeerTransport(text) })] },
        {
          name: 'media',
          replicas: [
            createPeerLink({ transport: mediaA.createTransport() }),
            createPeerLink({ transport: mediaB.createTransport() }),
          ],
        },
        {
          name: 'library',
          replicas: [
            createPeerLink({
              transport: createInMemoryPeerTransport(libraryTools, {
                features: { resources: library, prompts: library, completion: library },
              }),
            }),
          ],
        },
      ],
    });
    await gateway.start();
    gatewayServer = createInMemoryMeshServer({ host: gateway });
    gatewayLink = createPeerLink({ transport: gatewayServer.createTransport() });
  });

  afterAll(async () => {
    await gatewayLink.close();
    await gatewayServer.close();
    await gateway.close();
    await mediaA.close();
    await mediaB.close();
    connects.mockRestore();
    listens.mockRestore();
  });

  afterEach(() => {
    seenByMedia.length = 0;
  });

  it('federates the tools of every node', async () => {
    const names = (await gateway.listTools()).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['write_story', 'spend', 'draw']));
    // And a link to the gateway's own in-memory server sees the same list.
    const overLink = (await gatewayLink.listTools()).map((tool) => tool.name);
    expect(overLink.sort()).toEqual([...names].sort());
  });

  it('runs a tool that calls a tool on another node through ctx.mesh, with progress', async () => {
    const progress: ToolProgress[] = [];
    const result = await gateway.callTool(
      'write_story',
      { title: 'The Fox' },
      inbound({ onProgress: (report) => progress.push(report) }),
    );
    expect(result.content).toEqual([{ type: 'text', text: 'The Fox, with a picture of The Fox' }]);
    expect(progress.map((report) => report.message)).toEqual(['written', 'illustrated']);
    // The correlation id travelled gateway -> text -> gateway -> media; each peer link added a hop.
    expect(seenByMedia).toHaveLength(1);
    expect(seenByMedia[0]).toMatchObject({ correlationId: 'corr-in-memory' });
    expect(seenByMedia[0]?.hop).toBeGreaterThanOrEqual(3);
  });

  it('reads a resource and gets a prompt of the library node through the gateway', async () => {
    const read = await gateway.features.resources.readResource('library://shelf', featureCall());
    expect(read.contents).toEqual([
      { uri: 'library://shelf', mimeType: 'text/plain', text: 'the shelf of library' },
    ]);
    const prompt = await gateway.features.prompts.getPrompt(
      'story_request',
      { theme: 'foxes' },
      featureCall(),
    );
    expect(prompt.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'a story about foxes' } },
    ]);
  });

  it('carries an error code and its details across the links', async () => {
    const failure = await gateway.callTool('spend', {}, inbound()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(MeshError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      code: 'failed_precondition',
      message: 'the budget "kids" is spent',
      details: { budgetId: 'kids', limit: 5, limitUnit: 'usd', origin: 'memory://text' },
    });
  });

  it('fails over to the other replica when one is closed, and opens no socket', async () => {
    await mediaA.close();
    const drawers = new Set<string>();
    for (let call = 0; call < 4; call += 1) {
      const result = await gateway.callTool('draw', { subject: `call ${call}` }, inbound());
      drawers.add((result.structuredContent as { by: string }).by);
    }
    expect([...drawers]).toEqual(['media-b']);
    expect(connects).not.toHaveBeenCalled();
    expect(listens).not.toHaveBeenCalled();
  });
});

describe('a peer link over the in-memory transport', () => {
  const echo = defineTool({
    name: 'echo',
    description: 'Returns its text.',
    inputSchema: z.object({ text: z.string() }),
    handler: async ({ text }) => ({ content: [{ type: 'text', text }] }),
  });
  const metadata = (hop = 1) => ({ correlationId: 'corr-link', hop });

  it('runs the service checks: hop limit and peer authentication', async () => {
    const auth = createHmacPeerAuth({ secret: 'x'.repeat(32), issuer: 'test' });
    const host = createLocalToolHost({ id: 'echoer', ports: memoryPorts(), tools: [echo] });
    const server = createInMemoryMeshServer({ host, maxHops: 2, auth: auth.verifier });
    const signed = createPeerLink({ transport: server.createTransport(), auth: auth.signer });
    const unsigned = createPeerLink({ transport: server.createTransport() });
    try {
      const result = await signed.callTool('echo', { text: 'hi' }, { metadata: metadata() });
      expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
      await expect(signed.callTool('echo', { text: 'hi' }, { metadata: metadata(3) })).rejects.toMatchObject({
        code: 'failed_precondition',
        details: { hop: 3, limit: 2, origin: 'echoer' },
      });
      await expect(unsigned.callTool('echo', { text: 'hi' }, { metadata: metadata() })).rejects.toMatchObject(
        {
          code: 'unauthenticated',
          details: { origin: 'memory://echoer' },
        },
      );
      await expect(signed.callTool('nope', {}, { metadata: metadata() })).rejects.toMatchObject({
        code: 'not_found',
      });
    } finally {
      await signed.close();
      await unsigned.close();
      await server.close();
    }
  });

  it('cuts off a call in flight when its server closes, and refuses later calls as not processed', async () => {
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const host = createLocalToolHost({
      id: 'stuck',
      ports: memoryPorts(),
      tools: [
        defineTool({
          name: 'hang',
          description: 'Runs until it is aborted.',
          inputSchema: z.object({}),
          handler: (_input, context) =>
            new Promise((_resolve, reject) => {
              started();
              context.signal.addEventListener('abort', () => reject(context.signal.reason));
            }),
        }),
      ],
    });
    const server = createInMemoryMeshServer({ host });
    const link = createPeerLink({ transport: server.createTransport() });
    try {
      const call = link.callTool('hang', {}, { metadata: metadata() });
      const failure = call.catch((error: unknown) => error);
      await running;
      expect(server.inFlight).toBe(1);
      await server.close({ timeoutMs: 0 });
      expect(await failure).toMatchObject({
        code: 'unavailable',
        details: { origin: 'memory://stuck', reason: 'connection_lost' },
      });
      expect(server.inFlight).toBe(0);
      await expect(link.callTool('hang', {}, { metadata: metadata() })).rejects.toMatchObject({
        code: 'unavailable',
        details: { origin: 'memory://stuck', reason: 'not_processed' },
      });
      expect(peerLinkInFlight(link)).toEqual({ channelCalls: 0, channels: 0, watchers: 0 });
    } finally {
      await link.close();
    }
  });

  it('delivers node events to watchers and ends them with draining when the server closes', async () => {
    const host = createLocalToolHost({ id: 'watched', ports: memoryPorts(), tools: [echo] });
    const server = createInMemoryMeshServer({ host });
    const link = createPeerLink({ transport: server.createTransport(), watchBackoff: { initialDelayMs: 5 } });
    const kinds: string[] = [];
    let drained: () => void = () => {};
    const draining = new Promise<void>((resolve) => {
      drained = resolve;
    });
    const stop = link.watchEvents((event) => {
      kinds.push(event.kind);
      if (event.kind === 'draining') drained();
    });
    try {
      await eventually(() => expect(kinds).toContain('tools_changed'));
      server.publishEvent({ kind: 'circuit', nodeId: 'watched', target: 'peer:x', state: 'open' });
      await eventually(() => expect(kinds).toContain('circuit'));
      await server.close();
      await draining;
      expect(kinds.at(-1)).toBe('draining');
    } finally {
      stop();
      await link.close();
    }
  });

  it('rejects bad options naming the field', () => {
    const host = createLocalToolHost({ id: 'bad', ports: memoryPorts(), tools: [] });
    expect(() => createInMemoryMeshServer({ host, maxHops: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { field: 'maxHops' } }),
    );
    expect(() => createInMemoryPeerTransport(host, { closeTimeoutMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { field: 'closeTimeoutMs' } }),
    );
  });
});
