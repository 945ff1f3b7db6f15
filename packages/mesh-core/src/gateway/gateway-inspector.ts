import type { CircuitState } from '../ports/circuit-state.js';
import type { PeerPolicyStatus } from '../resilience/peer-policy.js';
import type { RoutingStrategy } from './replica-router.js';

/** Where a tool name would be served, as answered by the `route` tool. */
export interface RouteDecision {
  /** The name asked about. */
  tool: string;
  /** `gateway` for the gateway's own tools, `peer` for federated ones, `unknown` when nothing serves it. */
  kind: 'gateway' | 'peer' | 'unknown';
  /** The peer serving it. */
  peer?: string;
  /** Its name on the peer. */
  originalName?: string;
  /** Whether the peer's prefix was added to make the name unique. */
  prefixed?: boolean;
  /** How the peer's replicas are chosen. */
  routing?: RoutingStrategy;
  /** The replica the next call would go to. */
  replica?: { url: string; outstanding: number };
  /** The peer's breaker state. */
  circuit?: CircuitState;
  /** The deadline a call would get, in milliseconds. */
  timeoutMs?: number;
  /** Why, in a sentence. */
  reason: string;
  /** The closest known names, for an unknown tool. */
  suggestions?: string[];
}

/** One replica of a peer in {@link PeerStatusReport}. */
export interface ReplicaStatus {
  url: string;
  /** Calls in flight from this gateway. */
  outstanding: number;
  /** Calls sent so far. */
  calls: number;
  /** Calls it refused (`unavailable`). */
  unavailableCount: number;
  /** False while it is passed over after refusing a call or announcing it drains. */
  available: boolean;
  /** Its last refusal. */
  lastError?: string;
}

/** The state of one peer, as answered by the `circuit_status` tool. */
export interface PeerStatusReport {
  peer: string;
  prefix: string;
  routing: RoutingStrategy;
  /** Breaker and bulkhead. */
  circuit: PeerPolicyStatus;
  replicas: ReplicaStatus[];
  /** Tools in the cached list (0 before the first successful listing). */
  toolCount: number;
  /** Resources, resource templates and prompts in the cached lists (0 for a peer that serves none). */
  resourceCount?: number;
  resourceTemplateCount?: number;
  promptCount?: number;
  /** When the list was last fetched, in epoch milliseconds. */
  listedAt?: number;
  /** Why the last listing failed, while it does. */
  listError?: string;
}

/** What the gateway's own tools may ask the gateway. */
export interface GatewayInspector {
  /** Which peer and replica would serve `tool`, and why. */
  explainRoute(tool: string): Promise<RouteDecision>;
  /** Every peer's breaker, replicas and outstanding calls. */
  peerStatus(): PeerStatusReport[];
}
