import type { Logger } from './logger.js';

/**
 * Calls every listener in `listeners` with `value`, on a copy of the set (a listener may unsubscribe while
 * called); a listener that throws is logged as `${what} listener failed` and the others still run.
 */
export function notifyListeners<T>(
  listeners: ReadonlySet<(value: T) => void>,
  value: T,
  logger: Logger,
  what: string,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (error) {
      logger.warn(`${what} listener failed`, { error });
    }
  }
}
