import * as z from 'zod';
import { MeshError } from '../../errors/mesh-error.js';
import { defineTool, type ToolDefinition } from '../../tool/tool-definition.js';
import type { GatewayInspector } from '../gateway-inspector.js';

const circuitStatusInput = z.object({
  peer: z.string().min(1).max(200).optional().describe('Only this peer. Default: every peer.'),
});

const replicaStatus = z.object({
  url: z.string(),
  outstanding: z.number(),
  calls: z.number(),
  unavailableCount: z.number(),
  available: z.boolean(),
  lastError: z.string().optional(),
});

const peerStatus = z.object({
  peer: z.string(),
  prefix: z.string(),
  routing: z.enum(['round_robin', 'least_outstanding']),
  circuit: z.object({
    target: z.string(),
    state: z.enum(['closed', 'open', 'half_open']),
    openedAt: z.number().optional(),
    halfOpenAt: z.number().optional(),
    retryAfterMs: z.number().optional(),
    version: z.number(),
    updatedBy: z.string().optional(),
    active: z.number(),
    queued: z.number(),
    maxConcurrent: z.number(),
    maxQueued: z.number(),
  }),
  replicas: z.array(replicaStatus),
  toolCount: z.number(),
  resourceCount: z.number().optional(),
  resourceTemplateCount: z.number().optional(),
  promptCount: z.number().optional(),
  listedAt: z.number().optional(),
  listError: z.string().optional(),
});

const circuitStatusOutput = z.object({ peers: z.array(peerStatus) });

/** Input of the `circuit_status` tool. */
export type CircuitStatusInput = z.infer<typeof circuitStatusInput>;
/** Output of the `circuit_status` tool. */
export type CircuitStatusOutput = z.infer<typeof circuitStatusOutput>;

/**
 * The gateway's `circuit_status` tool: every peer's breaker state (shared across gateway replicas when a
 * circuit-state store is configured), bulkhead occupancy, replicas and outstanding calls.
 *
 * @throws MeshError `invalid_argument` (field `peer`) when `peer` names no configured peer.
 * @example
 * ```ts
 * const status = createCircuitStatusTool(gateway);
 * // tools/call circuit_status {} → { peers: [{ peer: 'media', circuit: { state: 'closed', … }, replicas: […] }] }
 * ```
 */
export function createCircuitStatusTool(
  gateway: GatewayInspector,
): ToolDefinition<CircuitStatusInput, CircuitStatusOutput> {
  return defineTool({
    name: 'circuit_status',
    title: 'Circuit-breaker status',
    description:
      'Mesh-wide circuit-breaker state: for every peer, its breaker (closed, open or half-open, and when it ' +
      'retries), bulkhead occupancy, replicas with their outstanding calls, and the sizes of its cached tool, ' +
      'resource, resource template and prompt lists.',
    inputSchema: circuitStatusInput,
    outputSchema: circuitStatusOutput,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    handler: async ({ peer }) => {
      const all = gateway.peerStatus();
      const peers = peer === undefined ? all : all.filter((report) => report.peer === peer);
      if (peer !== undefined && peers.length === 0) {
        const known = all.map((report) => report.peer);
        throw new MeshError(`no peer named "${peer}"; known peers: ${known.join(', ')}`, 'invalid_argument', {
          details: { field: 'peer', peers: known },
        });
      }
      return { structuredContent: { peers } };
    },
  }) satisfies ToolDefinition<CircuitStatusInput, CircuitStatusOutput>;
}
