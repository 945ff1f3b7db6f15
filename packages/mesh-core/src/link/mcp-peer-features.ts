import type { RequestOptions } from '@modelcontextprotocol/client';
import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import type { CallMetadata } from '../call/call-metadata.js';
import { MeshError } from '../errors/mesh-error.js';
import type {
  MeshCompletion,
  MeshPromptInfo,
  MeshResourceInfo,
  MeshResourceTemplateInfo,
} from '../host/feature-host.js';
import type { ClientLogSink } from '../observability/client-logger.js';
import type { McpSession } from './mcp-session.js';
import type { LinkFeatureOptions, PeerFeatureLink, PeerFeatureSet } from './peer-link-types.js';

// The resource, prompt and completion methods of a plain MCP upstream's peer link (`PeerFeatureLink`): plain MCP
// data in and out, each request under the link's deadline, cancellation and error conversion.

/** Runs one request on the link's open session (see `createMcpPeerLink`). */
type LinkRequest = <T>(
  method: string,
  target: string | undefined,
  call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined; onLog?: ClientLogSink },
  run: (session: McpSession, requestOptions: RequestOptions, timeoutMs: number) => Promise<T>,
) => Promise<T>;

/** What the feature methods need from the link. */
export interface McpFeatureContext {
  name: string;
  maxListItems: number;
  request: LinkRequest;
  metaOf(metadata: CallMetadata, timeoutMs: number, wantsLogs: boolean): Record<string, unknown>;
}

/** The {@link PeerFeatureLink} methods of an MCP upstream, except `subscribeResource` (the link keeps those). */
export function createMcpFeatureMethods(
  context: McpFeatureContext,
): Omit<PeerFeatureLink, 'subscribeResource'> {
  const { name, maxListItems, request, metaOf } = context;

  const requireFeature = (
    session: McpSession,
    feature: 'resources' | 'prompts' | 'completions',
    method: string,
  ) => {
    if (!session.capabilities[feature]) {
      throw new MeshError(`${name} does not offer ${method} (no ${feature} capability)`, 'unimplemented', {
        details: { origin: name },
      });
    }
  };
  const bounded = <T>(items: T[], what: string): T[] => {
    if (!Array.isArray(items) || items.length > maxListItems) {
      throw new MeshError(`${name} listed more than ${maxListItems} ${what}`, 'resource_exhausted', {
        details: { origin: name, limit: maxListItems, limitUnit: what },
      });
    }
    return items;
  };
  const paramsOf = (options: LinkFeatureOptions, timeoutMs: number) => ({
    _meta: metaOf(options.metadata, timeoutMs, options.onLog !== undefined),
  });

  return {
    features(options = {}) {
      return request('initialize', undefined, options, async (session): Promise<PeerFeatureSet> => {
        const { resources, prompts, completions, logging } = session.capabilities;
        return {
          resources: resources !== undefined,
          resourceSubscribe: resources?.subscribe === true,
          prompts: prompts !== undefined,
          completions: completions !== undefined,
          logging: logging !== undefined,
        };
      });
    },
    listResources(options) {
      return request('resources/list', undefined, options, async (session, requestOptions, timeoutMs) => {
        requireFeature(session, 'resources', 'resources/list');
        const { resources } = await session.client.listResources(paramsOf(options, timeoutMs), {
          ...requestOptions,
          cacheMode: 'bypass',
        });
        return bounded(resources, 'resources') as MeshResourceInfo[];
      });
    },
    listResourceTemplates(options) {
      return request(
        'resources/templates/list',
        undefined,
        options,
        async (session, requestOptions, timeoutMs) => {
          requireFeature(session, 'resources', 'resources/templates/list');
          const { resourceTemplates } = await session.client.listResourceTemplates(
            paramsOf(options, timeoutMs),
            {
              ...requestOptions,
              cacheMode: 'bypass',
            },
          );
          return bounded(resourceTemplates, 'resource templates') as MeshResourceTemplateInfo[];
        },
      );
    },
    readResource(uri, options) {
      return request('resources/read', uri, options, async (session, requestOptions, timeoutMs) => {
        requireFeature(session, 'resources', 'resources/read');
        const result = await session.client.readResource(
          { uri, ...paramsOf(options, timeoutMs) },
          { ...requestOptions, cacheMode: 'bypass' },
        );
        return result as ReadResourceResult;
      });
    },
    listPrompts(options) {
      return request('prompts/list', undefined, options, async (session, requestOptions, timeoutMs) => {
        requireFeature(session, 'prompts', 'prompts/list');
        const { prompts } = await session.client.listPrompts(paramsOf(options, timeoutMs), {
          ...requestOptions,
          cacheMode: 'bypass',
        });
        return bounded(prompts, 'prompts') as MeshPromptInfo[];
      });
    },
    getPrompt(prompt, args, options) {
      return request('prompts/get', prompt, options, async (session, requestOptions, timeoutMs) => {
        requireFeature(session, 'prompts', 'prompts/get');
        const result = await session.client.getPrompt(
          { name: prompt, arguments: args, ...paramsOf(options, timeoutMs) },
          requestOptions,
        );
        return result as GetPromptResult;
      });
    },
    complete(completion, options) {
      return request(
        'completion/complete',
        undefined,
        options,
        async (session, requestOptions, timeoutMs) => {
          requireFeature(session, 'completions', 'completion/complete');
          const ref =
            completion.ref.type === 'ref/prompt'
              ? { type: 'ref/prompt' as const, name: completion.ref.name }
              : { type: 'ref/resource' as const, uri: completion.ref.uri };
          const { completion: answer } = await session.client.complete(
            {
              ref,
              argument: completion.argument,
              ...(Object.keys(completion.arguments).length === 0
                ? {}
                : { context: { arguments: { ...completion.arguments } } }),
              ...paramsOf(options, timeoutMs),
            },
            requestOptions,
          );
          const values = Array.isArray(answer?.values) ? answer.values.slice(0, 100) : [];
          return {
            values,
            ...(typeof answer?.total === 'number' ? { total: answer.total } : {}),
            ...(typeof answer?.hasMore === 'boolean' ? { hasMore: answer.hasMore } : {}),
          } satisfies MeshCompletion;
        },
      );
    },
  };
}
