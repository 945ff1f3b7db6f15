/**
 * Runs `task` over `items` with at most `concurrency` tasks in flight, in order of `items`; resolves once all
 * have settled. Tasks handle their own errors: a rejection rejects the pool.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
