import { MeshError } from '../errors/mesh-error.js';
import {
  type ClientInputCapabilities,
  isInputRequired,
  type ToolCallResult,
  type ToolInputRequired,
  type ToolOutcome,
} from './tool-context.js';

// Rules shared by every place an input-required outcome passes: the host that runs the tool, and the peer link
// that receives one from another node.

/**
 * Checks an input-required result the way MCP requires it (basic/patterns/mrtr): at least one of a non-empty
 * `inputRequests` and a string `requestState`, each request an object naming its `method`. Checked where the
 * tool runs, so that no link ever carries an invalid one.
 *
 * @throws MeshError `internal` naming the tool (and the offending key).
 */
export function checkInputRequired(tool: string, result: ToolInputRequired): ToolInputRequired {
  const fail = (problem: string, field?: string): never => {
    throw new MeshError(`tool "${tool}" returned an input-required result ${problem}`, 'internal', {
      details: { tool, ...(field === undefined ? {} : { field }) },
    });
  };
  const { inputRequests, requestState } = result as { inputRequests?: unknown; requestState?: unknown };
  if (requestState !== undefined && typeof requestState !== 'string') {
    fail('whose requestState is not a string', 'requestState');
  }
  if (inputRequests !== undefined) {
    if (typeof inputRequests !== 'object' || inputRequests === null || Array.isArray(inputRequests)) {
      fail('whose inputRequests is not an object', 'inputRequests');
    }
    for (const [key, request] of Object.entries(inputRequests as Record<string, unknown>)) {
      const method = (request as { method?: unknown } | null)?.method;
      if (typeof request !== 'object' || request === null || typeof method !== 'string') {
        fail(`whose input request "${key}" has no method`, `inputRequests.${key}`);
      }
    }
  }
  const hasRequests = inputRequests !== undefined && Object.keys(inputRequests as object).length > 0;
  if (!hasRequests && requestState === undefined) {
    fail('with neither inputRequests nor requestState (MCP requires at least one)');
  }
  return result;
}

/**
 * The failure of a call whose tool asks the client for input while its caller cannot pass the request on (it
 * called `callTool`, not `callToolOutcome`: a tool-to-tool call, a CLI, a test).
 */
export function inputRequiredNotRelayable(tool: string): MeshError {
  return new MeshError(
    `tool "${tool}" asks the client for input (elicitation, sampling or roots), which this caller cannot relay; call it through an MCP edge or a gateway`,
    'failed_precondition',
    { details: { tool, reason: 'input_required' } },
  );
}

/**
 * `outcome` as the final result `callTool` resolves: the one place where `callTool` (of a host, a gateway or a
 * link) turns an input request into a failure, while `callToolOutcome` resolves it.
 *
 * @throws MeshError `failed_precondition` naming `tool` (`details.reason: 'input_required'`) when `outcome` is an
 *   input request.
 */
export function finalResultOf(tool: string, outcome: ToolOutcome): ToolCallResult {
  if (isInputRequired(outcome)) throw inputRequiredNotRelayable(tool);
  return outcome;
}

/** The input capabilities a client can declare, in the order they are copied. */
const INPUT_CAPABILITIES = ['elicitation', 'sampling', 'roots'] as const;

/**
 * The input capabilities (`elicitation`, `sampling`, `roots`) in the capabilities a client declared, each an
 * object as declared; the client's other capabilities are left out. `undefined` when `capabilities` is not an
 * object (nothing was declared, or the edge could not tell).
 *
 * @example
 * ```ts
 * clientInputCapabilitiesOf({ elicitation: { form: {} }, experimental: {} }); // { elicitation: { form: {} } }
 * ```
 */
export function clientInputCapabilitiesOf(capabilities: unknown): ClientInputCapabilities | undefined {
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities))
    return undefined;
  const declared = capabilities as Record<string, unknown>;
  const input: ClientInputCapabilities = {};
  for (const key of INPUT_CAPABILITIES) {
    const value = declared[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      input[key] = value as Record<string, unknown>;
    }
  }
  return input;
}
