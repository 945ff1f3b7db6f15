import type { Annotations } from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';

/**
 * What a resource, resource-template or prompt handler gets besides its input: the call's cancellation, a logger
 * whose records also reach the MCP client as `notifications/message` (at the level the client asked for), and
 * where it runs.
 */
export interface FeatureContext {
  /** Aborts when the client cancels, the handler's deadline passes or the node drains. */
  signal: AbortSignal;
  /** Correlation id of the request (from `_meta`, headers, or generated). */
  correlationId: string;
  /** Id of the node running the handler. */
  nodeId: string;
  /** Logger with the correlation id attached; records also go to the client when it asked for logs. */
  logger: Logger;
}

/**
 * One content item of a resource as a handler returns it: text, or binary as bytes (sent base64-encoded) or as
 * a base64 string. `uri` defaults to the URI read; `mimeType` to the definition's.
 */
export type ResourceContent =
  | { text: string; mimeType?: string; uri?: string; _meta?: Record<string, unknown> }
  | { blob: Uint8Array | string; mimeType?: string; uri?: string; _meta?: Record<string, unknown> };

/** What a resource handler returns: one content item or several (a folder's files, a manifest and its pages). */
export type ResourceReadResult = ResourceContent | readonly ResourceContent[];

/** Completion suggestions as a `complete` function returns them: the values, or the values with paging hints. */
export type CompletionValues =
  | readonly string[]
  | { values: readonly string[]; total?: number; hasMore?: boolean };

/**
 * Suggests values for one prompt argument or URI-template variable (`completion/complete`). `value` is what the
 * user typed so far; `context.arguments` holds the other arguments already filled in. At most 100 values are sent;
 * the rest is reported as `hasMore`.
 */
export type CompleteFunction = (
  value: string,
  context: { arguments: Readonly<Record<string, string>>; signal: AbortSignal },
) => CompletionValues | Promise<CompletionValues>;

/** Metadata shared by resources and resource templates, as MCP lists them. */
interface ResourceMetadataFields {
  /** Programmatic name, shown when there is no `title`. Non-empty, at most 128 characters. */
  name: string;
  /** Human-readable name for UIs. */
  title?: string;
  /** What the resource holds, for the model and the user. */
  description?: string;
  /** MIME type of the contents (such as `text/plain`, `application/json`, `image/png`). */
  mimeType?: string;
  /** MCP annotations (`audience`, `priority`, `lastModified`). */
  annotations?: Annotations;
  /** Deadline of one read, in milliseconds. Default: the node's `defaultTimeoutMs` (60 000). */
  timeoutMs?: number;
}

/**
 * A resource at one fixed URI, defined as data: served by `resources/list` and `resources/read`, subscribable
 * (`resources/subscribe` in the 2025 era, `subscriptions/listen` in the 2026 era); say it changed with
 * `MeshNode.resourceUpdated(uri)`.
 *
 * @example
 * ```ts
 * export const readme = defineResource({
 *   uri: 'docs://readme',
 *   name: 'readme',
 *   mimeType: 'text/markdown',
 *   handler: async () => ({ text: '# Hello' }),
 * });
 * ```
 */
export interface ResourceDefinition extends ResourceMetadataFields {
  /** Absolute URI with a scheme (`docs://readme`, `file:///srv/a.txt`); unique on its node. */
  uri: string;
  /** Size in bytes, when known before reading. */
  size?: number;
  /** Reads the contents. Throw a `MeshError` to fail with a specific code. */
  handler: (context: FeatureContext) => Promise<ResourceReadResult>;
}

/**
 * A family of resources named by an RFC 6570 URI template (`stories://{date}/{ageBand}`): listed by
 * `resources/templates/list`, read by `resources/read` with the variables matched from the URI, completed per
 * variable by `completion/complete`.
 *
 * @example
 * ```ts
 * export const story = defineResourceTemplate({
 *   uriTemplate: 'stories://{date}/{ageBand}',
 *   name: 'story',
 *   mimeType: 'application/json',
 *   complete: { ageBand: () => ['3-5', '6-8', '9-12'] },
 *   handler: async (uri, { date, ageBand }) => ({ text: JSON.stringify(await load(date, ageBand)) }),
 * });
 * ```
 */
export interface ResourceTemplateDefinition extends ResourceMetadataFields {
  /** RFC 6570 URI template with at least one variable, starting with a scheme; unique on its node. */
  uriTemplate: string;
  /** Completion per template variable (keys must name variables of `uriTemplate`). */
  complete?: Readonly<Record<string, CompleteFunction>>;
  /**
   * The concrete resources of this template to include in `resources/list`, when they can be enumerated (a
   * folder's stories). Default: none (the template alone is listed, in `resources/templates/list`).
   */
  list?: (context: FeatureContext) => Promise<readonly ResourceListing[]>;
  /**
   * Reads the resource at `uri`, with the template's variables matched from it (an exploded or list variable
   * arrives joined by commas). Throw `MeshError` `not_found` when nothing is there.
   */
  handler: (
    uri: string,
    variables: Readonly<Record<string, string>>,
    context: FeatureContext,
  ) => Promise<ResourceReadResult>;
}

/** A concrete resource a template's `list` enumerates. */
export interface ResourceListing {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
}

/** Identity function that checks a resource definition's type; the node validates it when it is registered. */
export function defineResource(definition: ResourceDefinition): ResourceDefinition {
  return definition;
}

/** Identity function that checks a resource template's type; the node validates it when it is registered. */
export function defineResourceTemplate(definition: ResourceTemplateDefinition): ResourceTemplateDefinition {
  return definition;
}
