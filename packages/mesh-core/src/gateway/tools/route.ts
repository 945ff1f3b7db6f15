import * as z from 'zod';
import { defineTool, type ToolDefinition } from '../../tool/tool-definition.js';
import type { GatewayInspector } from '../gateway-inspector.js';

const routeInput = z.object({
  tool: z.string().min(1).max(200).describe('The tool name to route, as listed by this gateway.'),
});

const routeOutput = z.object({
  tool: z.string(),
  kind: z.enum(['gateway', 'peer', 'unknown']),
  peer: z.string().optional(),
  originalName: z.string().optional(),
  prefixed: z.boolean().optional(),
  routing: z.enum(['round_robin', 'least_outstanding']).optional(),
  replica: z.object({ url: z.string(), outstanding: z.number() }).optional(),
  circuit: z.enum(['closed', 'open', 'half_open']).optional(),
  timeoutMs: z.number().optional(),
  reason: z.string(),
  suggestions: z.array(z.string()).optional(),
});

/** Input of the `route` tool. */
export type RouteInput = z.infer<typeof routeInput>;
/** Output of the `route` tool. */
export type RouteOutput = z.infer<typeof routeOutput>;

/**
 * The gateway's `route` tool: which peer and replica would serve a tool name, and why (prefixing, routing
 * strategy, breaker state, deadline). Read-only; it does not advance the round-robin rotation.
 *
 * @example
 * ```ts
 * const route = createRouteTool(gateway);
 * // tools/call route { "tool": "media_generate_image" }
 * // → { kind: 'peer', peer: 'media', originalName: 'generate_image', replica: { url, outstanding: 0 }, … }
 * ```
 */
export function createRouteTool(gateway: GatewayInspector): ToolDefinition<RouteInput, RouteOutput> {
  return defineTool({
    name: 'route',
    title: 'Route a tool call',
    description:
      'Explains which peer and replica of the mesh would serve a tool name, and why: prefix, routing strategy, ' +
      'circuit-breaker state and deadline. Does not call the tool.',
    inputSchema: routeInput,
    outputSchema: routeOutput,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    handler: async ({ tool }) => ({ structuredContent: await gateway.explainRoute(tool) }),
  }) satisfies ToolDefinition<RouteInput, RouteOutput>;
}
