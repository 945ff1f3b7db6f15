import { MeshError } from '../errors/mesh-error.js';
import type { ClientLogSink } from '../observability/client-logger.js';
import {
  clientLogFromWire,
  completeRequestToWire,
  completionFromWire,
  featuresFromWire,
  NO_FEATURES,
  promptResultFromWire,
  promptsFromWire,
  readResultFromWire,
  resourcesFromWire,
  resourceTemplatesFromWire,
} from './feature-wire-codec.js';
import type { PeerCallBoundary } from './peer-call-boundary.js';
import type { LinkFeatureOptions, PeerFeatureLink } from './peer-link-types.js';
import type { PeerTransportCallOptions } from './peer-transport.js';
import { meshErrorOfCall } from './transport-errors.js';

// The resource, prompt and completion side of a peer link (peer-link.ts); resource subscriptions ride on its event
// stream (peer-event-watch.ts).

/** The request methods of {@link PeerFeatureLink} (all but `subscribeResource`) over `boundary`. */
export function createPeerFeatureCalls(
  boundary: PeerCallBoundary,
): Omit<PeerFeatureLink, 'subscribeResource'> {
  const { transport, url } = boundary;

  /** Transport options of a resource, prompt or completion request. */
  const featureCallOptions = async (
    options: LinkFeatureOptions,
    what: string,
  ): Promise<PeerTransportCallOptions> => {
    try {
      return await boundary.transportOptions(options);
    } catch (error) {
      throw boundary.localFailure(error, what);
    }
  };

  /** Runs a feature request; a connection lost under it is `unavailable` (see `meshErrorOfCall`). */
  const featureRequest = <T>(options: { signal?: AbortSignal | undefined }, run: () => Promise<T>) =>
    boundary.guard(async () => {
      try {
        return await run();
      } catch (error) {
        throw meshErrorOfCall(error, url, options.signal);
      }
    });

  /**
   * Reads a streamed feature response: log records to `onLog`, then the one result. Every message has an
   * `event` oneof with `log` and one result case.
   */
  const streamedResult = async <T>(
    messages: AsyncIterable<{ event: { case: string | undefined; value?: unknown } }>,
    resultCase: string,
    onLog: ClientLogSink | undefined,
    parse: (value: string) => T,
    what: string,
  ): Promise<T> => {
    // Read to the end like a streamed tool call (see `peer-tool-calls.ts`): an early exit would leave Connect's
    // deadline timer and its listener on the caller's signal behind.
    let result: { value: T } | undefined;
    try {
      for await (const message of messages) {
        if (result !== undefined) continue;
        const { event } = message;
        if (event.case === 'log') {
          boundary.deliverLog(onLog, () =>
            clientLogFromWire(event.value as Parameters<typeof clientLogFromWire>[0]),
          );
        } else if (event.case === resultCase) {
          result = { value: parse(event.value as string) };
        }
      }
    } catch (error) {
      if (result === undefined) throw error;
    }
    if (result !== undefined) return result.value;
    throw new MeshError(`${what} ended without a result`, 'internal', { details: { origin: url } });
  };

  return {
    async features(options = {}) {
      try {
        return await featureRequest(options, async () =>
          featuresFromWire(await transport.getFeatures(await boundary.transportOptions(options))),
        );
      } catch (error) {
        // A node older than the feature methods serves tools only.
        if (MeshError.isInstance(error) && error.code === 'unimplemented') return { ...NO_FEATURES };
        throw error;
      }
    },

    listResources(options) {
      return featureRequest(options, async () =>
        streamedResult(
          transport.listResources(
            { logs: options.onLog !== undefined },
            await featureCallOptions(options, 'listing resources'),
          ),
          'resourcesJson',
          options.onLog,
          resourcesFromWire,
          'the resource list',
        ),
      );
    },

    listResourceTemplates(options) {
      return featureRequest(options, async () => {
        const response = await transport.listResourceTemplates(
          await featureCallOptions(options, 'listing resource templates'),
        );
        return resourceTemplatesFromWire(response.resourceTemplatesJson);
      });
    },

    readResource(uri, options) {
      return featureRequest(options, async () =>
        streamedResult(
          transport.readResource(
            { uri, logs: options.onLog !== undefined },
            await featureCallOptions(options, `reading "${uri}"`),
          ),
          'resultJson',
          options.onLog,
          readResultFromWire,
          `the read of "${uri}"`,
        ),
      );
    },

    listPrompts(options) {
      return featureRequest(options, async () => {
        const response = await transport.listPrompts(await featureCallOptions(options, 'listing prompts'));
        return promptsFromWire(response.promptsJson);
      });
    },

    getPrompt(name, args, options) {
      return featureRequest(options, async () =>
        streamedResult(
          transport.getPrompt(
            { name, arguments: args, logs: options.onLog !== undefined },
            await featureCallOptions(options, `getting prompt "${name}"`),
          ),
          'resultJson',
          options.onLog,
          promptResultFromWire,
          `prompt "${name}"`,
        ),
      );
    },

    complete(request, options) {
      return featureRequest(options, async () => {
        const response = await transport.complete(
          completeRequestToWire(request),
          await featureCallOptions(options, 'completing'),
        );
        return completionFromWire(response);
      });
    },
  };
}
