import { setMaxListeners } from 'node:events';
import type { Tracer } from '@opentelemetry/api';
import { createCallScope, raceAbort } from '../context/call-scope.js';
import { createToolContext, type ToolPorts, unconfiguredMeshClient } from '../context/create-tool-context.js';
import { MeshError } from '../errors/mesh-error.js';
import type { HostHealth, InboundCall, ToolHost } from '../host/tool-host.js';
import type { MeshCaller } from '../link/peer-link-types.js';
import type { Logger } from '../observability/logger.js';
import type { MeshMetrics } from '../observability/metrics.js';
import { notifyListeners } from '../observability/notify-listeners.js';
import { type TraceCarrier, withSpan } from '../observability/tracing.js';
import { finalResultOf } from '../tool/input-required.js';
import type { ToolOutcome } from '../tool/tool-context.js';
import type { AnyToolDefinition } from '../tool/tool-definition.js';
import { closestNames, echoableName } from './closest-names.js';
import { type ResolvedLocalHostOptions, resolveLocalHostOptions } from './local-host-options.js';
import { validateWithSchema } from './schema-validation.js';
import { describeTool, type RegisteredTool, toCallResult } from './tool-registration.js';

/** Options for {@link createLocalToolHost}. */
export interface LocalToolHostOptions {
  /** Stable id of this node, reported in metrics, logs and `ToolContext.nodeId`. */
  id: string;
  /**
   * The tools hosted at start. More can be added with {@link LocalToolHost.addTool}.
   * @default none
   */
  tools?: readonly AnyToolDefinition[];
  /** The ports handed to tool handlers through their context. */
  ports: ToolPorts;
  /**
   * Calls tools on other nodes for `ToolContext.mesh` (a `PeerLink`, say). Receives `LinkCallOptions` whose
   * `metadata` is `deriveOutboundMetadata` of the calling tool's call.
   * @default a client rejecting every call with `failed_precondition` "no mesh client configured"
   */
  mesh?: MeshCaller;
  /**
   * Logger; each call gets a child with `correlationId`, `tool` and `nodeId`.
   * @default silent
   */
  logger?: Logger;
  /**
   * Metrics to record calls on.
   * @default none
   */
  metrics?: MeshMetrics;
  /**
   * Tracer for the span around each tool call.
   * @default the global provider's mesh tracer
   */
  tracer?: Tracer;
  /**
   * Deadline of one call when the tool sets no `timeoutMs`, in milliseconds.
   * @default 60 000
   */
  defaultTimeoutMs?: number;
  /**
   * Clock, for tests.
   * @default `Date.now`
   */
  now?: () => number;
}

/** Options for {@link LocalToolHost.drain}. */
export interface DrainOptions {
  /**
   * How long in-flight calls may keep running, in milliseconds, before they are aborted with
   * `unavailable`.
   * @default no limit (wait for every call to finish)
   */
  graceMs?: number;
}

/** A {@link ToolHost} running {@link ToolDefinition}s in this process. */
export interface LocalToolHost extends ToolHost {
  /** Adds a tool. Throws `invalid_argument` for an invalid name or schema, `already_exists` for a taken name. */
  addTool(tool: AnyToolDefinition): void;
  /** Removes a tool; resolves whether it existed. In-flight calls to it finish. */
  removeTool(name: string): boolean;
  /** Stops accepting calls (new ones fail `unavailable`) and resolves once in-flight calls have finished. */
  drain(options?: DrainOptions): Promise<void>;
  /** Number of calls running now. */
  readonly inFlight: number;
}

/** The defaults of {@link LocalToolHostOptions}. */
export const DEFAULT_LOCAL_TOOL_HOST = Object.freeze({ defaultTimeoutMs: 60_000 });

/** {@link LocalToolHostOptions} with every default applied and every value checked. */
export interface ResolvedLocalToolHostOptions extends ResolvedLocalHostOptions {
  mesh: MeshCaller;
}

/**
 * Applies {@link DEFAULT_LOCAL_TOOL_HOST} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: an empty `id`, a `defaultTimeoutMs` not above 0.
 * @example
 * ```ts
 * resolveLocalToolHostOptions({ id: 'story' }).defaultTimeoutMs; // 60000
 * ```
 */
export function resolveLocalToolHostOptions(options: LocalToolHostOptions): ResolvedLocalToolHostOptions {
  return {
    ...resolveLocalHostOptions(options, DEFAULT_LOCAL_TOOL_HOST),
    mesh: options.mesh ?? unconfiguredMeshClient,
  };
}

/**
 * Creates a host that runs tool definitions locally: it validates arguments through each tool's Standard
 * Schema (naming the failing field), enforces per-tool deadlines combined with the caller's, validates
 * structured output, and converts every failure into a `MeshError`. A tool's input-required result is checked
 * (at least one of `inputRequests` and `requestState`, else `internal`) and resolved as is by `callToolOutcome`;
 * `callTool` fails it `failed_precondition`.
 *
 * @throws MeshError `invalid_argument` for an invalid tool name or schema, `already_exists` for a duplicate.
 * @example
 * ```ts
 * const host = createLocalToolHost({ id: 'story', tools: [echo], ports });
 * const result = await host.callTool('echo', { text: 'hi' }, { signal, correlationId: 'c1', hop: 0 });
 * ```
 */
export function createLocalToolHost(options: LocalToolHostOptions): LocalToolHost {
  const { id: nodeId, now, logger, mesh, defaultTimeoutMs } = resolveLocalToolHostOptions(options);
  const tools = new Map<string, RegisteredTool>();
  const listeners = new Set<() => void>();
  const drainController = new AbortController();
  // Every running call listens to the drain signal (and stops listening when it ends): no listener cap.
  setMaxListeners(0, drainController.signal);
  const idleWaiters: (() => void)[] = [];
  let inFlight = 0;
  let draining = false;

  const notifyChanged = () => notifyListeners(listeners, undefined, logger, 'tools-changed');

  const register = (tool: AnyToolDefinition) => {
    const registered = describeTool(tool);
    if (tools.has(tool.name)) {
      throw new MeshError(`duplicate tool name "${tool.name}" on node "${nodeId}"`, 'already_exists', {
        details: { field: 'name', tool: tool.name },
      });
    }
    tools.set(tool.name, registered);
  };
  for (const tool of options.tools ?? []) register(tool);

  const run = async (
    entry: RegisteredTool,
    args: Record<string, unknown>,
    call: InboundCall,
    carrier: TraceCarrier,
  ) => {
    const { definition } = entry;
    const input = await validateWithSchema(definition.inputSchema, args);
    if (!input.ok) {
      const where = input.field === '' ? 'arguments' : `argument "${input.field}"`;
      throw new MeshError(
        `invalid ${where} for tool "${definition.name}": ${input.message}`,
        'invalid_argument',
        {
          details: { ...(input.field === '' ? {} : { field: input.field }), tool: definition.name },
        },
      );
    }
    const timeoutMs = definition.timeoutMs ?? defaultTimeoutMs;
    const scopeStart = now();
    const scope = createCallScope({
      signals: [call.signal, drainController.signal],
      timeoutMs,
      now,
      ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
    });
    const context = createToolContext({
      nodeId,
      call,
      signal: scope.signal,
      deadline: scope.deadline,
      traceparent: carrier.traceparent,
      tracestate: carrier.tracestate,
      logger: logger.child({
        correlationId: call.correlationId,
        tool: definition.name,
        // The trace id lets a log line be found from its trace and the other way round.
        ...(carrier.traceparent ? { traceId: carrier.traceparent.split('-')[1] } : {}),
      }),
      loggerName: definition.name,
      ports: options.ports,
      mesh,
      now,
    });
    try {
      const result = await raceAbort(
        Promise.resolve().then(() => definition.handler(input.value, context)),
        scope.signal,
      );
      return await toCallResult(definition, result);
    } catch (error) {
      if (scope.timedOut()) {
        const limitMs = scope.deadline === undefined ? timeoutMs : scope.deadline - scopeStart;
        throw new MeshError(
          `tool "${definition.name}" did not finish within its deadline of ${limitMs} ms`,
          'deadline_exceeded',
          { cause: error, details: { tool: definition.name, limit: limitMs, limitUnit: 'ms' } },
        );
      }
      if (scope.signal.aborted) throw MeshError.from(scope.signal.reason, 'canceled');
      throw MeshError.from(error);
    } finally {
      scope.dispose();
    }
  };

  /** Runs a tool; `final` fails an input-required outcome (`callTool`) instead of resolving it (`callToolOutcome`). */
  async function invoke(
    name: string,
    args: Record<string, unknown>,
    call: InboundCall,
    final: boolean,
  ): Promise<ToolOutcome> {
    if (draining)
      throw new MeshError(`node "${nodeId}" is draining`, 'unavailable', { details: { origin: nodeId } });
    const entry = tools.get(name);
    if (!entry) {
      const suggestions = closestNames(name, tools.keys());
      options.metrics?.countError('not_found', { node: nodeId });
      const hint = suggestions.length > 0 ? `; closest: ${suggestions.join(', ')}` : '';
      const shown = echoableName(name);
      throw new MeshError(`unknown tool "${shown}" on node "${nodeId}"${hint}`, 'not_found', {
        details: { tool: shown, suggestions, reason: 'unknown_tool', origin: nodeId },
      });
    }
    const started = now();
    const finishInFlight = options.metrics?.trackInFlight(nodeId);
    inFlight++;
    try {
      const result = await withSpan(
        `tool ${name}`,
        {
          ...(options.tracer ? { tracer: options.tracer } : {}),
          parent: carrierOf(call),
          attributes: { 'mesh.tool': name, 'mesh.node': nodeId, 'mesh.correlation_id': call.correlationId },
        },
        ({ carrier }) => run(entry, args, call, carrier),
      );
      if (final) finalResultOf(name, result);
      options.metrics?.observeToolCall({
        tool: name,
        node: nodeId,
        outcome: 'ok',
        durationMs: now() - started,
      });
      return result;
    } catch (error) {
      const meshError = MeshError.from(error);
      const durationMs = now() - started;
      options.metrics?.observeToolCall({
        tool: name,
        node: nodeId,
        outcome: 'error',
        durationMs,
        code: meshError.code,
      });
      const fields = { correlationId: call.correlationId, tool: name, code: meshError.code, durationMs };
      if (meshError.code === 'internal' || meshError.code === 'unknown') {
        logger.error(`tool "${name}" failed: ${meshError.message}`, {
          ...fields,
          error: meshError.cause ?? meshError,
        });
      } else {
        logger.debug(`tool "${name}" failed: ${meshError.message}`, fields);
      }
      throw meshError;
    } finally {
      inFlight--;
      finishInFlight?.();
      if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    }
  }

  const host: LocalToolHost = {
    id: nodeId,
    get inFlight() {
      return inFlight;
    },
    async listTools() {
      return [...tools.values()].map((entry) => entry.info);
    },
    callTool: async (name, args, call) => finalResultOf(name, await invoke(name, args, call, true)),
    callToolOutcome: (name, args, call) => invoke(name, args, call, false),
    health: (): HostHealth => (draining ? 'draining' : 'serving'),
    onToolsChanged(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    addTool(tool) {
      register(tool);
      notifyChanged();
    },
    removeTool(name) {
      const removed = tools.delete(name);
      if (removed) notifyChanged();
      return removed;
    },
    async drain(drainOptions = {}) {
      draining = true;
      if (inFlight === 0) return;
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
      if (drainOptions.graceMs === undefined) return idle;
      const timer = setTimeout(() => {
        drainController.abort(
          new MeshError(`node "${nodeId}" is draining`, 'unavailable', { details: { origin: nodeId } }),
        );
      }, drainOptions.graceMs);
      try {
        await idle;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return host;
}

function carrierOf(call: InboundCall): TraceCarrier {
  return {
    ...(call.traceparent === undefined ? {} : { traceparent: call.traceparent }),
    ...(call.tracestate === undefined ? {} : { tracestate: call.tracestate }),
  };
}
