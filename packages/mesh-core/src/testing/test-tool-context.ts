import { MeshError } from '../errors/mesh-error.js';
import { silentLogger } from '../observability/logger.js';
import type { MeshEvent } from '../ports/event-bus.js';
import type { MeshClient, ToolContext, ToolProgress } from '../tool/tool-context.js';
import { createTestPorts, type TestPorts, type TestPortsOptions } from './test-ports.js';

/** Options for {@link createTestToolContext}. */
export interface TestToolContextOptions extends TestPortsOptions {
  /**
   * Client for `context.mesh`.
   * @default one that rejects every call with `unimplemented`
   */
  mesh?: MeshClient;
  /**
   * Correlation id.
   * @default `test-correlation`
   */
  correlationId?: string;
  /**
   * Node id.
   * @default `test-node`
   */
  nodeId?: string;
  /** Also aborts `context.signal`. */
  signal?: AbortSignal;
}

/** A {@link ToolContext} on fresh in-memory ports, recording what the handler published and reported. */
export interface TestToolContext {
  /** Pass it to a tool's handler. */
  context: ToolContext;
  /** The in-memory ports behind it. */
  ports: TestPorts;
  /** Every event the handler published, in order. */
  published: Array<{ topic: string; event: MeshEvent }>;
  /** Every progress report, in order. */
  progress: ToolProgress[];
  /** Aborts `context.signal` (as a caller's cancellation or deadline would). */
  abort(reason?: unknown): void;
  /** Closes the ports. */
  close(): Promise<void>;
}

/**
 * A tool context for unit-testing a handler without a node: in-memory ports (`createTestPorts`), a silent
 * logger, captured events and progress, and a signal you can abort.
 *
 * @example
 * ```ts
 * const harness = createTestToolContext();
 * const result = await countWords.handler({ text: 'a b c' }, harness.context);
 * await harness.close();
 * ```
 */
export function createTestToolContext(options: TestToolContextOptions = {}): TestToolContext {
  const ports = createTestPorts(options);
  const published: TestToolContext['published'] = [];
  const progress: ToolProgress[] = [];
  const controller = new AbortController();
  const refuse = () => Promise.reject(new MeshError('no mesh client in this test context', 'unimplemented'));
  const context: ToolContext = {
    signal: options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal,
    correlationId: options.correlationId ?? 'test-correlation',
    hop: 0,
    nodeId: options.nodeId ?? 'test-node',
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
    mesh: options.mesh ?? { callTool: refuse, listTools: refuse },
    reportProgress: (item) => progress.push(item),
  };
  return {
    context,
    ports,
    published,
    progress,
    abort: (reason) => controller.abort(reason),
    close: () => ports.close(),
  };
}
