import { MeshError } from '../errors/mesh-error.js';
import type { PrefixMode } from './tool-naming.js';

/**
 * The URI scheme syntax of RFC 3986 section 3.1: a letter, then letters, digits, `+`, `-` and `.`. A prefixed
 * URI's scheme is `<prefix>+<scheme>`, so a prefix must fit it too.
 */
const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * The name a peer's prompt gets when the prefix rule applies: `<prefix>_<name>`, as for tools.
 *
 * @example
 * ```ts
 * prefixPromptName('text', 'summary'); // 'text_summary'
 * ```
 */
export function prefixPromptName(prefix: string, name: string): string {
  return `${prefix}_${name}`;
}

/**
 * The URI (or URI template) a peer's resource gets when the prefix rule applies: the peer's prefix joined to the
 * URI's scheme with `+`, so `test://static-text` of peer `a` becomes `a+test://static-text`. The result is still an
 * absolute URI (RFC 3986 allows `+` in a scheme), reading it back is stripping `<prefix>+`, and a URI template
 * keeps its variables. A prefix that cannot start a scheme (a digit first, an `_`) gives `undefined`.
 *
 * @example
 * ```ts
 * prefixResourceUri('a', 'test://template/{id}/data'); // 'a+test://template/{id}/data'
 * ```
 */
export function prefixResourceUri(prefix: string, uri: string): string | undefined {
  if (!SCHEME_PREFIX.test(prefix)) return undefined;
  return `${prefix}+${uri}`;
}

/** One owner's items: a peer's (by its name and prefix), or the gateway's own (`owner: ''`, never prefixed). */
export interface OwnedList<T> {
  owner: string;
  prefix: string;
  items: readonly T[];
}

/** One federated item: its final key, its owner and its key there. */
export interface FederatedItem<T> {
  /** The key clients use (a prompt name, a URI or a URI template). */
  key: string;
  /** The peer, or `''` for the gateway's own. */
  owner: string;
  /** Its key on the owner. */
  originalKey: string;
  prefixed: boolean;
  /** The item, renamed, with its origin in `_meta` (the gateway's own items unchanged). */
  item: T;
}

/** How {@link federateKeys} reads, renames and stamps one kind of item. */
export interface KeyRule<T> {
  /** What the items are, for messages: `prompt`, `resource`, `resource template`. */
  kind: string;
  key(item: T): string;
  /** The prefixed key, or `undefined` when the prefix cannot make a valid one. */
  prefixed(prefix: string, key: string): string | undefined;
  /** The item under its final key, with `origin` recorded in `_meta`. */
  rename(item: T, key: string, origin: Record<string, string>): T;
  /** The `_meta` origin of an item of `owner`. */
  origin(owner: string, key: string): Record<string, string>;
}

/** The outcome of {@link federateKeys}. */
export interface KeyNaming<T> {
  /** Federated items by final key, the gateway's own first, then peers in configuration order. */
  items: Map<string, FederatedItem<T>>;
  /** Items left out (an invalid prefixed key, two owners ending up with one key), each a `failed_precondition`. */
  problems: MeshError[];
}

/**
 * Names the prompts, resources or resource templates of a gateway's peers with the rule the gateway applies to
 * tools (see `federateToolNames`): in mode `conditional` a key offered by one owner passes unchanged and a key
 * offered by more than one is prefixed for every peer offering it (the gateway's own keeps it); `always` prefixes
 * every peer's key; `never` keeps keys and leaves the second owner's item out. Unlike tools, a collision never
 * fails the whole list: the item left out is reported in `problems`.
 */
export function federateKeys<T>(
  lists: readonly OwnedList<T>[],
  mode: PrefixMode,
  rule: KeyRule<T>,
): KeyNaming<T> {
  const offeredBy = new Map<string, Set<string>>();
  for (const list of lists) {
    for (const item of list.items) {
      const key = rule.key(item);
      const owners = offeredBy.get(key) ?? new Set<string>();
      owners.add(list.owner);
      offeredBy.set(key, owners);
    }
  }
  const items = new Map<string, FederatedItem<T>>();
  const problems: MeshError[] = [];
  const ordered = [...lists].sort((a, b) => (a.owner === '' ? -1 : b.owner === '' ? 1 : 0));
  for (const list of ordered) {
    for (const item of list.items) {
      const originalKey = rule.key(item);
      const own = list.owner === '';
      const collides = (offeredBy.get(originalKey)?.size ?? 0) > 1;
      const prefixed = !own && (mode === 'always' || (mode === 'conditional' && collides));
      const key = prefixed ? rule.prefixed(list.prefix, originalKey) : originalKey;
      const peer = own ? 'the gateway' : `peer "${list.owner}"`;
      if (key === undefined) {
        problems.push(
          new MeshError(
            `${rule.kind} "${originalKey}" of ${peer}: the prefix "${list.prefix}" cannot start a URI scheme (a letter, then letters, digits, +, - or .)`,
            'failed_precondition',
            { details: { key: originalKey, peer: list.owner, reason: 'invalid_prefix' } },
          ),
        );
        continue;
      }
      const taken = items.get(key);
      if (taken !== undefined) {
        // The same owner listing a key twice counts once; anyone else meeting a taken key is left out.
        if (taken.owner !== list.owner) {
          problems.push(
            new MeshError(
              `${rule.kind} "${key}" is offered by both ${taken.owner === '' ? 'the gateway' : `peer "${taken.owner}"`} and ${peer}; the second is left out (give the peers distinct prefixes, or set prefixMode to "conditional" or "always")`,
              'failed_precondition',
              { details: { key, peers: [taken.owner || '(gateway)', list.owner], reason: 'ambiguous_name' } },
            ),
          );
        }
        continue;
      }
      items.set(key, {
        key,
        owner: list.owner,
        originalKey,
        prefixed,
        item: own ? item : rule.rename(item, key, rule.origin(list.owner, originalKey)),
      });
    }
  }
  return { items, problems };
}
