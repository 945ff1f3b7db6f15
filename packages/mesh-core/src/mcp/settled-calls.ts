import type { ToolOutcome } from '../tool/tool-context.js';

/**
 * A `tools/call` the relay path already ran whose answer it leaves to the SDK's server (an input-required outcome,
 * a result with content other than text, an unknown tool): the SDK then serves the request as usual and its
 * `tools/call` handler takes this outcome instead of calling the host again, so nothing runs twice.
 */
export interface SettledToolCall {
  name: string;
  settled: { ok: true; outcome: ToolOutcome } | { ok: false; error: unknown };
}

// Keyed by the web request the adapter hands to the SDK, which the SDK passes to the handler as `ctx.http.req`.
const settledCalls = new WeakMap<Request, SettledToolCall>();

/** Attaches a settled call to the web request about to be served by the SDK. */
export function attachSettledCall(request: Request, call: SettledToolCall): void {
  settledCalls.set(request, call);
}

/** The settled call attached to `request` for tool `name`, taken (a second read finds nothing). */
export function takeSettledCall(request: Request | undefined, name: string): SettledToolCall | undefined {
  if (request === undefined) return undefined;
  const call = settledCalls.get(request);
  if (call === undefined || call.name !== name) return undefined;
  settledCalls.delete(request);
  return call;
}
