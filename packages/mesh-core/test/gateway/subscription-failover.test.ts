import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { MeshService } from '../../src/gen/mesh/v1/mesh_pb.js';
import { createMeshServiceImpl, type NodeEventSink } from '../../src/link/mesh-service.js';
import { createLocalFeatureHost, type LocalFeatureHost } from '../../src/node/local-feature-host.js';
import { createMeshNode, type MeshNode } from '../../src/node/mesh-node.js';
import { silentLogger } from '../../src/observability/logger.js';
import { defineResource } from '../../src/resource/resource-definition.js';
import { createTestHost } from '../link/fixtures.js';
import { connectClient, memoryPorts } from '../mcp/fixtures.js';
import { eventually } from './sockets.js';

// A replica that crashes (its connections drop, no `draining` event, no GOAWAY) while it holds a client's resource
// subscription: the gateway hears it from the link and moves the subscription to the other replica.

interface CrashableReplica {
  id: string;
  url: string;
  features: LocalFeatureHost;
  crash(): Promise<void>;
}

async function startReplica(id: string): Promise<CrashableReplica> {
  const features = createLocalFeatureHost({
    id,
    resources: [
      defineResource({ uri: 'crash://watched', name: 'watched', handler: async () => ({ text: id }) }),
    ],
  });
  const sinks = new Set<NodeEventSink>();
  features.onResourcesChanged((change) => {
    for (const sink of sinks) {
      sink.push(
        change.kind === 'updated'
          ? { kind: 'resource_updated', nodeId: id, uri: change.uri }
          : { kind: 'resources_changed', nodeId: id },
      );
    }
  });
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(
        MeshService,
        createMeshServiceImpl({
          host: createTestHost(id),
          features: { resources: features },
          events: {
            subscribe: (sink) => {
              sinks.add(sink);
              return () => sinks.delete(sink);
            },
          },
          auth: undefined,
          requireClientCertificate: false,
          maxHops: 8,
          logger: silentLogger,
          now: Date.now,
          generateId: () => 'generated',
        }),
      ),
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  server.on('stream', (stream) => stream.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let crashed: Promise<void> | undefined;
  return {
    id,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    features,
    crash() {
      crashed ??= new Promise<void>((resolve) => {
        // As when the process dies: the connections drop, nobody is told.
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      });
      return crashed;
    },
  };
}

let replicas: CrashableReplica[];
let gateway: Gateway;
let front: MeshNode;

beforeAll(async () => {
  replicas = await Promise.all([startReplica('crashy-1'), startReplica('crashy-2')]);
  gateway = createGateway({
    id: 'gw-crash',
    ports: memoryPorts(),
    peers: [
      {
        name: 'crashy',
        replicas: replicas.map((replica) => replica.url),
        linkOptions: { watchBackoff: { initialMs: 20, maxMs: 100 } },
      },
    ],
    replicaCooldownMs: 60_000,
  });
  await gateway.start();
  front = createMeshNode({ id: 'front-crash', host: gateway, mesh: false });
  await front.start();
});

afterAll(async () => {
  await front?.close({ graceMs: 200 });
  await gateway?.close();
  await Promise.all((replicas ?? []).map((replica) => replica.crash()));
});

describe('a resource subscription through the gateway when its replica crashes', () => {
  it('moves to the other replica; the client keeps getting updates', async () => {
    const client = await connectClient(front.mcpUrl, 'legacy');
    const updates: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updates.push(notification.params.uri);
    });
    try {
      await client.subscribeResource({ uri: 'crash://watched' });
      const heldOn = () => gateway.features.resources.subscriptions().get('crash://watched');
      await eventually(() => heldOn() !== undefined);
      const serving = replicas.find((replica) => replica.url === heldOn());
      const other = replicas.find((replica) => replica !== serving);
      if (!serving || !other) throw new Error('no serving replica');
      await eventually(async () => {
        serving.features.resourceUpdated('crash://watched');
        await new Promise((resolve) => setTimeout(resolve, 50));
        return updates.length > 0;
      });
      await serving.crash();
      await eventually(() => heldOn() === other.url, 10_000);
      const before = updates.length;
      await eventually(async () => {
        other.features.resourceUpdated('crash://watched');
        await new Promise((resolve) => setTimeout(resolve, 50));
        return updates.length > before;
      });
      expect(updates.every((uri) => uri === 'crash://watched')).toBe(true);
      expect((await client.readResource({ uri: 'crash://watched' })).contents[0]).toMatchObject({
        text: other.id,
      });
    } finally {
      await client.close();
    }
  }, 20_000);
});
