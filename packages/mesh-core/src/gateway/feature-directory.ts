import { UriTemplate } from '@modelcontextprotocol/server';
import type { MeshPromptInfo, MeshResourceInfo, MeshResourceTemplateInfo } from '../host/feature-host.js';
import type { Logger } from '../observability/logger.js';
import {
  type FederatedItem,
  federateKeys,
  type KeyNaming,
  type KeyRule,
  type OwnedList,
  prefixPromptName,
  prefixResourceUri,
} from './feature-naming.js';
import type { PeerFeatures } from './peer-features.js';
import { ORIGIN_META_KEY, type PrefixMode } from './tool-naming.js';

type Resource = MeshResourceInfo;
type Template = MeshResourceTemplateInfo;
type Prompt = MeshPromptInfo;

const withOrigin = <T extends { _meta?: Record<string, unknown> }>(
  item: T,
  origin: Record<string, string>,
): T => ({ ...item, _meta: { ...item._meta, [ORIGIN_META_KEY]: origin } });

const RESOURCE_RULE: KeyRule<Resource> = {
  kind: 'resource',
  key: (item) => item.uri,
  prefixed: prefixResourceUri,
  rename: (item, uri, origin) => withOrigin({ ...item, uri }, origin),
  origin: (peer, uri) => ({ peer, uri }),
};
const TEMPLATE_RULE: KeyRule<Template> = {
  kind: 'resource template',
  key: (item) => item.uriTemplate,
  prefixed: prefixResourceUri,
  rename: (item, uriTemplate, origin) => withOrigin({ ...item, uriTemplate }, origin),
  origin: (peer, uriTemplate) => ({ peer, uriTemplate }),
};
const PROMPT_RULE: KeyRule<Prompt> = {
  kind: 'prompt',
  key: (item) => item.name,
  prefixed: (prefix, name) => prefixPromptName(prefix, name),
  rename: (item, name, origin) => withOrigin({ ...item, name }, origin),
  origin: (peer, prompt) => ({ peer, prompt }),
};

/** Where a federated URI is served: by a peer (with its URI there), or by the gateway itself. */
export type UriRoute = 'own' | { peer: PeerFeatures; originalUri: string; prefixed: boolean };

/** Where a federated prompt is served: by a peer (with its name there), or by the gateway itself. */
export type PromptRoute = 'own' | { peer: PeerFeatures; originalName: string };

/** The federated names of a gateway's resources, templates and prompts, and where each is served. */
export interface FeatureDirectory {
  /** Records the gateway's own lists (the names are computed again when they changed). */
  setOwn(lists: { resources?: Resource[]; templates?: Template[]; prompts?: Prompt[] }): void;
  /** Forgets the names computed from the peers' resource (and template) lists, or from their prompt lists. */
  invalidate(what: 'resources' | 'prompts'): void;
  resources(): KeyNaming<Resource>;
  templates(): KeyNaming<Template>;
  prompts(): KeyNaming<Prompt>;
  /** Where `uri` is served: a fixed resource by its URI, anything else by the first template matching it. */
  routeOf(uri: string): UriRoute | undefined;
  /** Where the prompt called `name` is served. */
  promptRoute(name: string): PromptRoute | undefined;
}

/**
 * Creates the directory of a gateway's federated resources, templates and prompts: names computed with
 * {@link federateKeys} from the gateway's own lists (owner `''`) and each peer's cached ones, kept until a list
 * changes, and one `UriTemplate` per federated template to route the URIs it expands to.
 */
export function createFeatureDirectory(options: {
  peers: readonly PeerFeatures[];
  prefixMode: PrefixMode;
  logger: Logger;
}): FeatureDirectory {
  const { peers, prefixMode, logger } = options;
  const byName = new Map(peers.map((entry) => [entry.peer.name, entry]));
  let ownResources: Resource[] = [];
  let ownTemplates: Template[] = [];
  let ownPrompts: Prompt[] = [];
  let resourceNaming: KeyNaming<Resource> | undefined;
  let templateNaming: (KeyNaming<Template> & { matchers: Map<string, UriTemplate> }) | undefined;
  let promptNaming: KeyNaming<Prompt> | undefined;

  const lists = <T>(ownItems: readonly T[], of: (peer: PeerFeatures) => readonly T[]): OwnedList<T>[] => [
    { owner: '', prefix: '', items: ownItems },
    ...peers.map((entry) => ({ owner: entry.peer.name, prefix: entry.peer.prefix, items: of(entry) })),
  ];
  const report = <T>(naming: KeyNaming<T>) => {
    for (const problem of naming.problems) logger.warn(`left out: ${problem.message}`, problem.details);
    return naming;
  };
  const changed = (current: unknown, next: unknown) => JSON.stringify(current) !== JSON.stringify(next);

  const resources = () => {
    resourceNaming ??= report(
      federateKeys(
        lists(ownResources, (entry) => entry.resources),
        prefixMode,
        RESOURCE_RULE,
      ),
    );
    return resourceNaming;
  };
  const templates = () => {
    if (!templateNaming) {
      const naming = report(
        federateKeys(
          lists(ownTemplates, (entry) => entry.templates),
          prefixMode,
          TEMPLATE_RULE,
        ),
      );
      const matchers = new Map<string, UriTemplate>();
      for (const key of naming.items.keys()) {
        try {
          matchers.set(key, new UriTemplate(key));
        } catch (error) {
          logger.warn(`resource template "${key}" cannot be matched; reads by it are not routed`, { error });
        }
      }
      templateNaming = { ...naming, matchers };
    }
    return templateNaming;
  };
  const prompts = () => {
    promptNaming ??= report(
      federateKeys(
        lists(ownPrompts, (entry) => entry.prompts),
        prefixMode,
        PROMPT_RULE,
      ),
    );
    return promptNaming;
  };

  /** The owner's key of a federated item, for a key that matched it (a URI a template expands to). */
  const originalOf = (item: FederatedItem<unknown>, key: string) =>
    item.prefixed ? key.slice((byName.get(item.owner)?.peer.prefix.length ?? 0) + 1) : key;

  const matchTemplate = (uri: string): FederatedItem<unknown> | undefined => {
    const naming = templates();
    for (const [key, matcher] of naming.matchers) {
      if (matcher.match(uri) !== null) return naming.items.get(key);
    }
    return undefined;
  };

  return {
    setOwn(next) {
      if (next.resources && changed(ownResources, next.resources)) {
        ownResources = next.resources;
        resourceNaming = undefined;
      }
      if (next.templates && changed(ownTemplates, next.templates)) {
        ownTemplates = next.templates;
        templateNaming = undefined;
      }
      if (next.prompts && changed(ownPrompts, next.prompts)) {
        ownPrompts = next.prompts;
        promptNaming = undefined;
      }
    },
    invalidate(what) {
      if (what === 'resources') {
        resourceNaming = undefined;
        templateNaming = undefined;
      } else {
        promptNaming = undefined;
      }
    },
    resources,
    templates,
    prompts,
    routeOf(uri) {
      const found = resources().items.get(uri) ?? matchTemplate(uri);
      if (!found) return undefined;
      if (found.owner === '') return 'own';
      const peer = byName.get(found.owner);
      return peer && { peer, originalUri: originalOf(found, uri), prefixed: found.prefixed };
    },
    promptRoute(name) {
      const found = prompts().items.get(name);
      if (!found) return undefined;
      if (found.owner === '') return 'own';
      const peer = byName.get(found.owner);
      return peer && { peer, originalName: found.originalKey };
    },
  };
}
