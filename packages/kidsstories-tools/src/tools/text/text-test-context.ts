// Test support for the text tools' tests (not exported from the package): a ToolContext over in-memory ports.
import { type MeshEvent, silentLogger, type ToolContext, type ToolProgress } from '@kidsstories/mesh-core';
import { createTestPorts, type TestPorts, type TestPortsOptions } from '@kidsstories/mesh-core/testing';

/** A tool context on fresh in-memory ports, with the events it published and the progress it reported. */
export interface TextTestContext {
  context: ToolContext;
  ports: TestPorts;
  published: { topic: string; event: MeshEvent }[];
  progress: ToolProgress[];
  close(): Promise<void>;
}

/** Builds a {@link TextTestContext}. */
export function createTextTestContext(options: TestPortsOptions = {}): TextTestContext {
  const ports = createTestPorts(options);
  const published: { topic: string; event: MeshEvent }[] = [];
  const progress: ToolProgress[] = [];
  const controller = new AbortController();
  const context: ToolContext = {
    signal: controller.signal,
    correlationId: 'test-correlation',
    hop: 0,
    nodeId: 'text-node-test',
    logger: silentLogger,
    ledger: ports.costLedger,
    state: ports.stateStore,
    lock: ports.lock,
    events: {
      publish: async (topic, event) => {
        published.push({ topic, event });
        await ports.eventBus.publish(topic, event);
      },
      subscribe: (topic, listener) => ports.eventBus.subscribe(topic, listener),
      close: () => ports.eventBus.close(),
    },
    mesh: {
      callTool: async () => {
        throw new Error('no mesh in text tool tests');
      },
      listTools: async () => [],
    },
    reportProgress: (item) => progress.push(item),
  };
  return { context, ports, published, progress, close: () => ports.close() };
}
