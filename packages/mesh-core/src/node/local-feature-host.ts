import type { GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/server';
import { createCallScope, raceAbort } from '../context/call-scope.js';
import { MeshError } from '../errors/mesh-error.js';
import type {
  CompletionHost,
  FeatureCall,
  MeshPromptInfo,
  MeshResourceInfo,
  PromptHost,
  ResourceChange,
  ResourceHost,
} from '../host/feature-host.js';
import { createClientLogger } from '../observability/client-logger.js';
import type { Logger } from '../observability/logger.js';
import { notifyListeners } from '../observability/notify-listeners.js';
import type { AnyPromptDefinition } from '../prompt/prompt-definition.js';
import type {
  FeatureContext,
  ResourceDefinition,
  ResourceTemplateDefinition,
} from '../resource/resource-definition.js';
import { echoableName } from './closest-names.js';
import {
  describePrompt,
  describeResource,
  describeResourceTemplate,
  type RegisteredTemplate,
  toCompletion,
  toResourceContents,
} from './feature-registration.js';
import { type ResolvedLocalHostOptions, resolveLocalHostOptions } from './local-host-options.js';
import { validateWithSchema } from './schema-validation.js';

/** Options for {@link createLocalFeatureHost}. */
export interface LocalFeatureHostOptions {
  /** Id of the node, handed to handlers as `context.nodeId`. */
  id: string;
  /**
   * Resources at fixed URIs.
   * @default none
   */
  resources?: readonly ResourceDefinition[];
  /**
   * Resource templates.
   * @default none
   */
  resourceTemplates?: readonly ResourceTemplateDefinition[];
  /**
   * Prompts.
   * @default none
   */
  prompts?: readonly AnyPromptDefinition[];
  /**
   * Logger; each call gets a child with `correlationId` and the resource or prompt.
   * @default silent
   */
  logger?: Logger;
  /**
   * Deadline of one read or get when its definition sets no `timeoutMs`, in milliseconds.
   * @default 60 000
   */
  defaultTimeoutMs?: number;
  /**
   * Clock, for tests.
   * @default `Date.now`
   */
  now?: () => number;
}

/** The resources, resource templates and prompts of one node, run in this process. */
export interface LocalFeatureHost extends ResourceHost, PromptHost, CompletionHost {
  /** Adds a resource and notifies list listeners. @throws MeshError `invalid_argument`, `already_exists`. */
  addResource(resource: ResourceDefinition): void;
  /** Removes the resource at `uri`; resolves whether it existed. */
  removeResource(uri: string): boolean;
  /** Adds a resource template. @throws MeshError `invalid_argument`, `already_exists`. */
  addResourceTemplate(template: ResourceTemplateDefinition): void;
  /** Removes the template with this URI template; resolves whether it existed. */
  removeResourceTemplate(uriTemplate: string): boolean;
  /** Adds a prompt. @throws MeshError `invalid_argument`, `already_exists`. */
  addPrompt(prompt: AnyPromptDefinition): void;
  /** Removes a prompt; resolves whether it existed. */
  removePrompt(name: string): boolean;
  /**
   * Says that the contents at `uri` changed: subscribed clients get `notifications/resources/updated`.
   * @throws MeshError `invalid_argument` for a URI without a scheme.
   */
  resourceUpdated(uri: string): void;
}

/** The defaults of {@link LocalFeatureHostOptions}. */
export const DEFAULT_LOCAL_FEATURE_HOST = Object.freeze({ defaultTimeoutMs: 60_000 });

/**
 * Applies {@link DEFAULT_LOCAL_FEATURE_HOST} to `options` and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: an empty `id`, a `defaultTimeoutMs` not above 0.
 * @example
 * ```ts
 * resolveLocalFeatureHostOptions({ id: 'docs' }).defaultTimeoutMs; // 60000
 * ```
 */
export function resolveLocalFeatureHostOptions(options: LocalFeatureHostOptions): ResolvedLocalHostOptions {
  return resolveLocalHostOptions(options, DEFAULT_LOCAL_FEATURE_HOST);
}

/**
 * Creates the host of a node's resources, resource templates and prompts: validates every definition when it is
 * added (naming the field), matches URIs against templates, validates prompt arguments (required, unknown, each
 * through its schema), runs handlers under a deadline and the caller's cancellation, converts their results to
 * MCP contents and messages, and converts every failure into a `MeshError`.
 *
 * @throws MeshError `invalid_argument` for an invalid definition, `already_exists` for a duplicate.
 * @example
 * ```ts
 * const features = createLocalFeatureHost({ id: 'docs', resources: [readme], prompts: [review] });
 * const { contents } = await features.readResource('docs://readme', { signal, correlationId: 'c1', hop: 0 });
 * ```
 */
export function createLocalFeatureHost(options: LocalFeatureHostOptions): LocalFeatureHost {
  const { id: nodeId, now, logger, defaultTimeoutMs } = resolveLocalFeatureHostOptions(options);
  const resources = new Map<string, { definition: ResourceDefinition; info: MeshResourceInfo }>();
  const templates = new Map<string, RegisteredTemplate>();
  const prompts = new Map<string, { definition: AnyPromptDefinition; info: MeshPromptInfo }>();
  const resourceListeners = new Set<(change: ResourceChange) => void>();
  const promptListeners = new Set<() => void>();

  const emit = <T>(listeners: Set<(value: T) => void>, value: T) =>
    notifyListeners(listeners, value, logger, 'change');
  const addResource = (resource: ResourceDefinition) => {
    const info = describeResource(resource);
    if (resources.has(info.uri)) {
      throw new MeshError(`duplicate resource URI "${info.uri}" on node "${nodeId}"`, 'already_exists', {
        details: { field: 'uri', uri: info.uri },
      });
    }
    resources.set(info.uri, { definition: resource, info });
  };
  const addTemplate = (template: ResourceTemplateDefinition) => {
    const registered = describeResourceTemplate(template);
    if (templates.has(registered.info.uriTemplate)) {
      throw new MeshError(
        `duplicate resource template "${registered.info.uriTemplate}" on node "${nodeId}"`,
        'already_exists',
        { details: { field: 'uriTemplate', uriTemplate: registered.info.uriTemplate } },
      );
    }
    templates.set(registered.info.uriTemplate, registered);
  };
  const addPrompt = (prompt: AnyPromptDefinition) => {
    const info = describePrompt(prompt);
    if (prompts.has(info.name)) {
      throw new MeshError(`duplicate prompt name "${info.name}" on node "${nodeId}"`, 'already_exists', {
        details: { field: 'name', prompt: info.name },
      });
    }
    prompts.set(info.name, { definition: prompt, info });
  };
  for (const resource of options.resources ?? []) addResource(resource);
  for (const template of options.resourceTemplates ?? []) addTemplate(template);
  for (const prompt of options.prompts ?? []) addPrompt(prompt);

  /** Runs one handler with a context, under the definition's deadline and the caller's cancellation. */
  const run = async <T>(
    what: string,
    loggerName: string,
    timeoutMs: number | undefined,
    call: FeatureCall,
    handler: (context: FeatureContext) => Promise<T>,
  ): Promise<T> => {
    const limitMs = timeoutMs ?? defaultTimeoutMs;
    const scope = createCallScope({
      signals: [call.signal],
      timeoutMs: limitMs,
      now,
      ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
    });
    const base = logger.child({ correlationId: call.correlationId, feature: loggerName });
    const context: FeatureContext = {
      signal: scope.signal,
      correlationId: call.correlationId,
      nodeId,
      logger: call.onLog ? createClientLogger(base, call.onLog, loggerName) : base,
    };
    try {
      return await raceAbort(
        Promise.resolve().then(() => handler(context)),
        scope.signal,
      );
    } catch (error) {
      if (scope.timedOut()) {
        throw new MeshError(
          `${what} did not finish within its deadline of ${limitMs} ms`,
          'deadline_exceeded',
          {
            cause: error,
            details: { limit: limitMs, limitUnit: 'ms' },
          },
        );
      }
      if (scope.signal.aborted) throw MeshError.from(scope.signal.reason, 'canceled');
      const meshError = MeshError.from(error);
      if (meshError.code === 'internal' || meshError.code === 'unknown') {
        base.error(`${what} failed: ${meshError.message}`, { error: meshError.cause ?? meshError });
      }
      throw meshError;
    } finally {
      scope.dispose();
    }
  };

  const matchTemplate = (uri: string) => {
    for (const registered of templates.values()) {
      const matched = registered.template.match(uri);
      if (matched === null) continue;
      const variables: Record<string, string> = {};
      for (const [key, value] of Object.entries(matched))
        variables[key] = Array.isArray(value) ? value.join(',') : value;
      return { registered, variables };
    }
    return undefined;
  };

  return {
    async listResources(call) {
      const listed = [...resources.values()].map((entry) => entry.info);
      for (const registered of templates.values()) {
        const { list } = registered.definition;
        if (!list) continue;
        const items = await run(
          `listing resource template "${registered.info.uriTemplate}"`,
          registered.info.name,
          undefined,
          call,
          list,
        );
        for (const item of items) {
          listed.push({
            ...item,
            ...(registered.info.mimeType && !item.mimeType ? { mimeType: registered.info.mimeType } : {}),
          });
        }
      }
      return listed;
    },
    async listResourceTemplates() {
      return [...templates.values()].map((entry) => entry.info);
    },
    async readResource(uri, call): Promise<ReadResourceResult> {
      const fixed = resources.get(uri);
      if (fixed) {
        const { definition } = fixed;
        const result = await run(
          `resource "${uri}"`,
          definition.name,
          definition.timeoutMs,
          call,
          definition.handler,
        );
        return toResourceContents(uri, definition.mimeType, result) as ReadResourceResult;
      }
      const matched = matchTemplate(uri);
      if (!matched) {
        const shown = echoableName(uri);
        throw new MeshError(`unknown resource "${shown}" on node "${nodeId}"`, 'not_found', {
          details: { uri: shown, reason: 'unknown_resource', origin: nodeId },
        });
      }
      const { definition } = matched.registered;
      const result = await run(`resource "${uri}"`, definition.name, definition.timeoutMs, call, (context) =>
        definition.handler(uri, matched.variables, context),
      );
      return toResourceContents(uri, definition.mimeType, result) as ReadResourceResult;
    },
    onResourcesChanged(listener) {
      resourceListeners.add(listener);
      return () => {
        resourceListeners.delete(listener);
      };
    },
    async listPrompts() {
      return [...prompts.values()].map((entry) => entry.info);
    },
    async getPrompt(name, args, call): Promise<GetPromptResult> {
      const entry = prompts.get(name);
      if (!entry) {
        const shown = echoableName(name);
        throw new MeshError(`unknown prompt "${shown}" on node "${nodeId}"`, 'not_found', {
          details: { prompt: shown, reason: 'unknown_prompt', origin: nodeId },
        });
      }
      const { definition } = entry;
      const specs = definition.arguments ?? {};
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(args)) {
        const spec = specs[key];
        if (spec === undefined) {
          const known = Object.keys(specs);
          throw new MeshError(
            `unknown argument "${echoableName(key)}" for prompt "${name}"; ${known.length > 0 ? `arguments: ${known.join(', ')}` : 'it takes no arguments'}`,
            'invalid_argument',
            { details: { field: echoableName(key), prompt: name } },
          );
        }
        if (typeof value !== 'string') {
          throw new MeshError(`argument "${key}" for prompt "${name}" must be a string`, 'invalid_argument', {
            details: { field: key, prompt: name },
          });
        }
        if (spec.schema) {
          const checked = await validateWithSchema(spec.schema, value);
          if (!checked.ok) {
            throw new MeshError(
              `invalid argument "${key}" for prompt "${name}": ${checked.message}`,
              'invalid_argument',
              {
                details: { field: key, prompt: name },
              },
            );
          }
          values[key] = checked.value;
        } else {
          values[key] = value;
        }
      }
      for (const [key, spec] of Object.entries(specs)) {
        if (spec.required === true && values[key] === undefined) {
          throw new MeshError(`missing required argument "${key}" for prompt "${name}"`, 'invalid_argument', {
            details: { field: key, prompt: name },
          });
        }
      }
      const result = await run(`prompt "${name}"`, name, definition.timeoutMs, call, (context) =>
        definition.handler(values, context),
      );
      if (result === null || typeof result !== 'object' || !Array.isArray(result.messages)) {
        throw new MeshError(`prompt "${name}" returned something other than { messages: [...] }`, 'internal');
      }
      return {
        ...(result.description === undefined ? {} : { description: result.description }),
        messages: result.messages,
      };
    },
    onPromptsChanged(listener) {
      promptListeners.add(listener);
      return () => {
        promptListeners.delete(listener);
      };
    },
    async complete(request, signal) {
      const { ref, argument } = request;
      const context = { arguments: request.arguments, signal };
      if (ref.type === 'ref/prompt') {
        const entry = prompts.get(ref.name);
        if (!entry) {
          throw new MeshError(`unknown prompt "${echoableName(ref.name)}" on node "${nodeId}"`, 'not_found', {
            details: { prompt: echoableName(ref.name), reason: 'unknown_prompt', origin: nodeId },
          });
        }
        const spec = entry.definition.arguments?.[argument.name];
        if (spec === undefined) {
          throw new MeshError(
            `prompt "${ref.name}" has no argument "${echoableName(argument.name)}"`,
            'invalid_argument',
            {
              details: { field: 'argument.name', prompt: ref.name },
            },
          );
        }
        if (!spec.complete) return { values: [] };
        const answer = await raceAbort(Promise.resolve(spec.complete(argument.value, context)), signal);
        return toCompletion(`argument "${argument.name}" of prompt "${ref.name}"`, answer);
      }
      const registered = templates.get(ref.uri);
      if (!registered) {
        // A fixed resource has nothing to complete; anything else is unknown.
        if (resources.has(ref.uri)) return { values: [] };
        throw new MeshError(
          `unknown resource template "${echoableName(ref.uri)}" on node "${nodeId}"`,
          'not_found',
          {
            details: { uri: echoableName(ref.uri), reason: 'unknown_resource', origin: nodeId },
          },
        );
      }
      if (!registered.template.variableNames.includes(argument.name)) {
        throw new MeshError(
          `resource template "${ref.uri}" has no variable "${echoableName(argument.name)}"`,
          'invalid_argument',
          { details: { field: 'argument.name', uriTemplate: ref.uri } },
        );
      }
      const complete = registered.definition.complete?.[argument.name];
      if (!complete) return { values: [] };
      const answer = await raceAbort(Promise.resolve(complete(argument.value, context)), signal);
      return toCompletion(`variable "${argument.name}" of "${ref.uri}"`, answer);
    },
    addResource(resource) {
      addResource(resource);
      emit(resourceListeners, { kind: 'list_changed' });
    },
    removeResource(uri) {
      const removed = resources.delete(uri);
      if (removed) emit(resourceListeners, { kind: 'list_changed' });
      return removed;
    },
    addResourceTemplate(template) {
      addTemplate(template);
      emit(resourceListeners, { kind: 'list_changed' });
    },
    removeResourceTemplate(uriTemplate) {
      const removed = templates.delete(uriTemplate);
      if (removed) emit(resourceListeners, { kind: 'list_changed' });
      return removed;
    },
    addPrompt(prompt) {
      addPrompt(prompt);
      emit(promptListeners, undefined);
    },
    removePrompt(name) {
      const removed = prompts.delete(name);
      if (removed) emit(promptListeners, undefined);
      return removed;
    },
    resourceUpdated(uri) {
      if (typeof uri !== 'string' || !URL.canParse(uri)) {
        throw new MeshError(
          `resourceUpdated needs an absolute URI, got "${String(uri)}"`,
          'invalid_argument',
          {
            details: { field: 'uri' },
          },
        );
      }
      emit(resourceListeners, { kind: 'updated', uri });
    },
  };
}
