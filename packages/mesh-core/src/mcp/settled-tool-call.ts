import type { ToolOutcome } from '../tool/tool-context.js';

/**
 * A `tools/call` the relay path already ran whose answer it leaves to the SDK's server (an input-required outcome,
 * a result with content other than text, an unknown tool). The relay hands it over explicitly: its answer is
 * `{ handOver }` (see `InterceptedAnswer`), the node adapter passes it to the edge's fetch handler as
 * `settledCall`, and the edge serves the request through the SDK with a server built by
 * `factory(context, { settledCall })`, whose `tools/call` handler takes this outcome instead of calling the host
 * again, so nothing runs twice.
 */
export interface SettledToolCall {
  /** The tool the call named; the SDK handler uses the outcome only for a `tools/call` of this name. */
  name: string;
  /** How the call ended: its outcome, or the error it failed with. */
  settled: { ok: true; outcome: ToolOutcome } | { ok: false; error: unknown };
}
