import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeshServer, type MeshServer } from '../../src/link/mesh-server.js';
import { createTestHost, type TestHost } from './fixtures.js';

// An external referee: a @grpc/grpc-js client built at run time from protos/mesh/v1/mesh.proto with
// @grpc/proto-loader (no generated code of ours) calls the Connect server.

const PROTO = fileURLToPath(new URL('../../../../protos/mesh/v1/mesh.proto', import.meta.url));

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Response>,
) => void;

interface MeshServiceClient extends grpc.Client {
  listTools: UnaryMethod<Record<string, never>, { tools: Array<Record<string, unknown>> }>;
  callTool: UnaryMethod<{ name: string; argumentsJson: string }, { result: Record<string, unknown> }>;
}

let host: TestHost;
let server: MeshServer;
let client: MeshServiceClient;

beforeAll(async () => {
  host = createTestHost();
  server = createMeshServer({ host });
  await server.start();
  const definition = protoLoader.loadSync(PROTO, { keepCase: false, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    mesh: {
      v1: { MeshService: new (address: string, credentials: grpc.ChannelCredentials) => MeshServiceClient };
    };
  };
  client = new loaded.mesh.v1.MeshService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.close({ timeoutMs: 100 });
});

function unary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  metadata = new grpc.Metadata(),
): Promise<Response> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: Date.now() + 5_000 }, (error, response) => {
      if (error) reject(error);
      else resolve(response as Response);
    });
  });
}

describe('@grpc/grpc-js client against the Connect mesh server', () => {
  it('lists tools', async () => {
    const response = await unary(client.listTools, {});
    expect(response.tools.map((tool) => tool.name)).toEqual([
      'echo',
      'progress',
      'wait',
      'gate',
      'fail',
      'crash',
    ]);
    const echo = response.tools[0] ?? {};
    expect(JSON.parse(String(echo.inputSchemaJson))).toMatchObject({ required: ['text'] });
    expect(JSON.parse(String(echo.annotationsJson))).toEqual({ readOnlyHint: true });
  });

  it('calls a tool with metadata and a deadline', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('mesh-correlation-id', 'grpc-js-1');
    metadata.set('mesh-hop', '2');
    const response = await unary(
      client.callTool,
      { name: 'echo', argumentsJson: '{"text":"from grpc-js"}' },
      metadata,
    );
    expect(JSON.parse(String(response.result.contentJson))).toEqual([{ type: 'text', text: 'from grpc-js' }]);
    expect(JSON.parse(String(response.result.structuredContentJson))).toEqual({ text: 'from grpc-js' });
    const call = host.calls.at(-1)?.call;
    expect(call?.correlationId).toBe('grpc-js-1');
    expect(call?.hop).toBe(2);
    expect(call?.deadline).toBeGreaterThan(Date.now());
  });

  it('receives a MeshError as a gRPC status with the details trailer', async () => {
    const error = (await unary(client.callTool, { name: 'fail', argumentsJson: '{}' }).catch(
      (reason: unknown) => reason,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(error.details).toBe('no such story');
    const [details] = error.metadata.get('mesh-error-details-bin');
    expect(Buffer.isBuffer(details)).toBe(true);
    expect(JSON.parse(String(details))).toMatchObject({ suggestions: ['echo'] });
  });

  it('gets a client without a mesh-hop header counted as one hop, with a generated correlation id', async () => {
    await unary(client.callTool, { name: 'echo', argumentsJson: '{"text":"x"}' });
    const call = host.calls.at(-1)?.call;
    expect(call?.hop).toBe(1);
    expect(call?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
