/** A refresh shared by concurrent requests, made by {@link createCoalescedRefresh}. */
export interface CoalescedRefresh {
  /** Runs the refresh, or joins the run in flight (and asks for one more run after it). */
  request(): Promise<void>;
  /** Resolves once no run is in flight (a failed run counts as ended). */
  idle(): Promise<void>;
}

/**
 * A refresh that coalesces concurrent requests: while one run of `fetch` is in flight every request shares it,
 * and a request that arrives during the run (a change announced while a listing is in flight may not be in it)
 * makes `fetch` run once more afterwards. The gateway's per-peer tool lists and feature lists use it.
 *
 * Once `isClosed` returns true, a request resolves at once and no further run starts.
 *
 * @example
 * ```ts
 * const lists = createCoalescedRefresh(fetchList, () => closed);
 * await Promise.all([lists.request(), lists.request()]); // one listing, or two if the second came mid-run
 * ```
 */
export function createCoalescedRefresh(
  fetch: () => Promise<void>,
  isClosed: () => boolean = () => false,
): CoalescedRefresh {
  let running: Promise<void> | undefined;
  let dirty = false;
  return {
    request() {
      if (isClosed()) return Promise.resolve();
      if (running) {
        dirty = true;
        return running;
      }
      running = (async () => {
        do {
          dirty = false;
          await fetch();
        } while (dirty && !isClosed());
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
    async idle() {
      await running?.catch(() => {});
    },
  };
}
