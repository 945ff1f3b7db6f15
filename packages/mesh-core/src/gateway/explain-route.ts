import type { RouteDecision } from './gateway-inspector.js';
import type { GatewayPeer } from './gateway-peer.js';
import type { ToolNaming } from './tool-naming.js';

/** What {@link explainRoute} reads from the gateway. */
export interface RouteView {
  /** Names of the gateway's own tools. */
  ownNames: ReadonlySet<string>;
  /** The current federated names. */
  naming: ToolNaming;
  /** Peers by name. */
  peers: ReadonlyMap<string, GatewayPeer>;
  /** The closest known names to an unknown one. */
  suggest(name: string): string[];
}

/**
 * Which peer and replica would serve `tool`, and why: the answer of the `route` tool. Reads state only; the
 * round-robin rotation is not advanced.
 */
export function explainRoute(tool: string, view: RouteView): RouteDecision {
  if (view.ownNames.has(tool))
    return { tool, kind: 'gateway', reason: `"${tool}" is a tool of the gateway itself` };
  const entry = view.naming.tools.get(tool);
  const peer = entry && view.peers.get(entry.peer);
  if (!entry || !peer) {
    return { tool, kind: 'unknown', reason: `no peer offers "${tool}"`, suggestions: view.suggest(tool) };
  }
  const replica = peer.router.peek();
  const circuit = peer.policy.state();
  const why = [
    entry.prefixed
      ? `"${tool}" is "${entry.originalName}" of peer "${peer.name}" with its prefix "${peer.prefix}_"`
      : `peer "${peer.name}" offers "${tool}"`,
    `${peer.router.replicas.length} replica(s), routed ${peer.router.strategy.replace('_', ' ')}`,
    circuit === 'closed' ? 'breaker closed' : `breaker ${circuit}: calls are rejected fast`,
  ];
  return {
    tool,
    kind: 'peer',
    peer: peer.name,
    originalName: entry.originalName,
    prefixed: entry.prefixed,
    routing: peer.router.strategy,
    ...(replica ? { replica: { url: replica.url, outstanding: replica.outstanding } } : {}),
    circuit,
    timeoutMs: peer.policy.timeoutFor(entry.originalName),
    reason: `${why.join('; ')}.`,
  };
}
