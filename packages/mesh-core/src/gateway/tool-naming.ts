import { MeshError } from '../errors/mesh-error.js';
import type { MeshToolInfo } from '../tool/tool-context.js';
import { TOOL_NAME_PATTERN } from '../tool/tool-definition.js';

/**
 * How the gateway names federated tools:
 * - `always`: every tool becomes `${prefix}_${name}`;
 * - `conditional` (default): only names offered by more than one peer (or by the gateway itself) are prefixed;
 * - `never`: names are kept, and a name offered twice is an error.
 */
export type PrefixMode = 'always' | 'conditional' | 'never';

/** `_meta` key under which a federated tool records where it comes from: `{ peer, tool }`. */
export const ORIGIN_META_KEY = 'io.kidsstories/origin';

/** The raw tool list of one peer, as cached by the gateway. */
export interface PeerToolList {
  /** The peer's configured name. */
  peer: string;
  /** The peer's prefix (default: its name). */
  prefix: string;
  /** The tools as the peer lists them. */
  tools: readonly MeshToolInfo[];
}

/** One federated tool: its final name, where it comes from, and what `tools/list` shows. */
export interface FederatedTool {
  /** The name clients call. */
  name: string;
  /** The peer serving it. */
  peer: string;
  /** Its name on the peer. */
  originalName: string;
  /** Whether the peer's prefix was added. */
  prefixed: boolean;
  /** The listing, renamed, with the origin in `_meta`. */
  info: MeshToolInfo;
}

/** Options for {@link federateToolNames}. */
export interface ToolNamingOptions {
  /** The prefix mode. */
  mode: PrefixMode;
  /** Names already taken on the gateway (its own tools). */
  reserved?: Iterable<string>;
}

/** The outcome of {@link federateToolNames}. */
export interface ToolNaming {
  /** Federated tools by final name, in peer order. */
  tools: Map<string, FederatedTool>;
  /**
   * Tools left out because their final name is invalid (longer than 64 characters or with characters outside
   * `[A-Za-z0-9_-]`), each as a `failed_precondition` error naming the tool and peer.
   */
  problems: MeshError[];
}

/** An owner is a peer name, or `''` for the gateway's own tools. */
function ambiguity(name: string, first: string, second: string): MeshError {
  return new MeshError(
    `tool name "${name}" is offered by both ${describeOwner(first)} and ${describeOwner(second)}; set prefixMode ` +
      'to "conditional" or "always", or give the peers distinct prefixes',
    'failed_precondition',
    {
      details: {
        tool: name,
        peers: [first, second].map((owner) => (owner === '' ? '(gateway)' : owner)),
        reason: 'ambiguous_tool_name',
      },
    },
  );
}

const describeOwner = (owner: string) => (owner === '' ? 'the gateway' : `peer "${owner}"`);

/**
 * Computes the federated tool names of a gateway from its peers' raw lists.
 *
 * @throws MeshError `failed_precondition` naming both peers when two tools would get the same final name
 *   (in mode `never` whenever two peers offer one name).
 * @example
 * ```ts
 * const { tools } = federateToolNames(
 *   [{ peer: 'text', prefix: 'text', tools: textTools }, { peer: 'media', prefix: 'media', tools: mediaTools }],
 *   { mode: 'conditional', reserved: ['route'] },
 * );
 * tools.get('media_health')?.originalName; // 'health', when both peers offer `health`
 * ```
 */
export function federateToolNames(lists: readonly PeerToolList[], options: ToolNamingOptions): ToolNaming {
  const reserved = new Set(options.reserved ?? []);
  // Which peers offer each raw name (a peer listing a name twice counts once).
  const offeredBy = new Map<string, string[]>();
  for (const list of lists) {
    for (const tool of list.tools) {
      const peers = offeredBy.get(tool.name) ?? [];
      if (!peers.includes(list.peer)) peers.push(list.peer);
      offeredBy.set(tool.name, peers);
    }
  }
  const owners = new Map<string, string>();
  for (const name of reserved) owners.set(name, '');
  const tools = new Map<string, FederatedTool>();
  const problems: MeshError[] = [];
  for (const list of lists) {
    const seen = new Set<string>();
    for (const tool of list.tools) {
      if (seen.has(tool.name)) continue;
      seen.add(tool.name);
      const peers = offeredBy.get(tool.name) ?? [];
      const collides = peers.length > 1 || reserved.has(tool.name);
      if (options.mode === 'never' && collides) {
        // Name the owners in configuration order (the gateway's own tools first).
        const [first = '', second = list.peer] = reserved.has(tool.name) ? ['', list.peer] : peers;
        throw ambiguity(tool.name, first, second);
      }
      const prefixed = options.mode === 'always' || (options.mode === 'conditional' && collides);
      const name = prefixed ? `${list.prefix}_${tool.name}` : tool.name;
      if (!TOOL_NAME_PATTERN.test(name)) {
        const why =
          name.length > 64
            ? `is ${name.length} characters long (at most 64)`
            : 'has characters outside [A-Za-z0-9_-]';
        problems.push(
          new MeshError(
            `tool "${tool.name}" of peer "${list.peer}": the name "${name}" ${why}`,
            'failed_precondition',
            {
              details: { tool: tool.name, peer: list.peer, name, reason: 'invalid_tool_name' },
            },
          ),
        );
        continue;
      }
      const owner = owners.get(name);
      // A prefixed name can still meet another peer's plain name (`media_x` vs `media` + `x`).
      if (owner !== undefined) throw ambiguity(name, owner, list.peer);
      owners.set(name, list.peer);
      const info: MeshToolInfo = {
        ...tool,
        name,
        _meta: { ...tool._meta, [ORIGIN_META_KEY]: { peer: list.peer, tool: tool.name } },
      };
      tools.set(name, { name, peer: list.peer, originalName: tool.name, prefixed, info });
    }
  }
  return { tools, problems };
}
