import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { checkNonEmptyString, checkPositive } from '../options/check-options.js';

// The options both local hosts (local-tool-host.ts, local-feature-host.ts) share, resolved once for each.

/** The options every local host takes. */
export interface LocalHostCommonOptions {
  id: string;
  logger?: Logger;
  defaultTimeoutMs?: number;
  now?: () => number;
}

/** {@link LocalHostCommonOptions} with every default applied and every value checked. */
export interface ResolvedLocalHostOptions {
  id: string;
  /** The host's logger: a child with `nodeId`. */
  logger: Logger;
  defaultTimeoutMs: number;
  now: () => number;
}

/**
 * Applies `defaults` to the shared options of a local host and checks them.
 *
 * @throws MeshError `invalid_argument` naming the field: an empty `id`, a `defaultTimeoutMs` not above 0.
 */
export function resolveLocalHostOptions(
  options: LocalHostCommonOptions,
  defaults: { readonly defaultTimeoutMs: number },
): ResolvedLocalHostOptions {
  const id = checkNonEmptyString(options.id, 'id');
  return {
    id,
    logger: (options.logger ?? silentLogger).child({ nodeId: id }),
    defaultTimeoutMs: checkPositive(
      options.defaultTimeoutMs ?? defaults.defaultTimeoutMs,
      'defaultTimeoutMs',
    ),
    now: options.now ?? Date.now,
  };
}
