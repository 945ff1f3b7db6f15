import { MeshError } from '../errors/mesh-error.js';
import { finalResultOf } from '../tool/input-required.js';
import type { MeshToolInfo, ToolOutcome } from '../tool/tool-context.js';
import { clientLogFromWire } from './feature-wire-codec.js';
import type { PeerCallBoundary, PeerRequestOptions } from './peer-call-boundary.js';
import type { LinkCallOptions, PeerLink } from './peer-link-types.js';
import { meshErrorOfCall } from './transport-errors.js';
import {
  callRequestToWire,
  inputRequiredFromWire,
  outcomeFromWire,
  progressFromWire,
  resultFromWire,
  toolFromWire,
} from './wire-codec.js';

// The tool side of a peer link (peer-link.ts): listing tools, and calling one on the path its options ask for
// (the unary `CallTool`, which the transport may carry on its call channel, or the `CallToolStream` when the caller
// wants progress or log records).

/** The tool methods of a peer link over `boundary`. */
export function createPeerToolCalls(
  boundary: PeerCallBoundary,
): Pick<PeerLink, 'listTools' | 'callTool' | 'callToolOutcome'> {
  const { transport, url } = boundary;

  const callOutcome = async (
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
  ): Promise<ToolOutcome> => {
    let request: ReturnType<typeof callRequestToWire>;
    try {
      request = callRequestToWire(name, args, options);
    } catch (error) {
      throw boundary.localFailure(error, `the arguments of "${name}"`, true);
    }
    let call: PeerRequestOptions;
    try {
      call = await boundary.transportOptions(options);
    } catch (error) {
      throw boundary.localFailure(error, `the call of "${name}"`);
    }
    const { onProgress, onLog } = options;
    if (!onProgress && !onLog) {
      const response = await transport.callTool(request, call);
      return outcomeFromWire(response.outcome, name);
    }
    // The stream is read to its end, not left at the result: Connect's streaming call has no `return()`, so an
    // early exit would leave its deadline timer running and its listener on the caller's signal until the
    // deadline (issue 20: nothing per call outlives the call).
    let outcome: ToolOutcome | undefined;
    try {
      for await (const message of transport.callToolStream({ ...request, logs: onLog !== undefined }, call)) {
        if (outcome !== undefined) continue;
        if (message.event.case === 'progress') onProgress?.(progressFromWire(message.event.value));
        else if (message.event.case === 'log') {
          const record = message.event.value;
          boundary.deliverLog(onLog, () => clientLogFromWire(record));
        } else if (message.event.case === 'result') outcome = resultFromWire(message.event.value);
        else if (message.event.case === 'inputRequired')
          outcome = inputRequiredFromWire(message.event.value, name);
      }
    } catch (error) {
      // A failure after the result (the stream reset while its trailers were on the way) does not undo it.
      if (outcome === undefined) throw error;
    }
    if (outcome !== undefined) return outcome;
    throw new MeshError(`the streamed call of ${name} ended without a result`, 'internal');
  };

  /**
   * Runs one call and hands its outcome to `settle` inside the link's error boundary: `callTool` settles with
   * `finalResultOf` (an input request fails `failed_precondition`, naming this peer as its origin),
   * `callToolOutcome` with the outcome itself.
   */
  const runCall = <T>(
    name: string,
    args: Record<string, unknown>,
    options: LinkCallOptions,
    settle: (outcome: ToolOutcome) => T,
  ): Promise<T> =>
    boundary.guard(async () => {
      let outcome: ToolOutcome;
      try {
        outcome = await callOutcome(name, args, options);
      } catch (error) {
        throw meshErrorOfCall(error, url, options.signal);
      }
      return settle(outcome);
    });

  return {
    listTools(options = {}) {
      return boundary.guard(async () => {
        const response = await transport.listTools(await boundary.transportOptions(options));
        return response.tools.map(toolFromWire) satisfies MeshToolInfo[];
      });
    },

    callTool: (name, args, options) =>
      runCall(name, args, options, (outcome) => finalResultOf(name, outcome)),
    callToolOutcome: (name, args, options) => runCall(name, args, options, (outcome) => outcome),
  };
}
