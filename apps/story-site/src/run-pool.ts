/**
 * Runs `task` on every item with at most `limit` in flight, and resolves their results in the items' order. The
 * site build uses it for its file work (verifying bundles, copying media, rewriting pages), which is I/O bound:
 * a few at once keep the disk busy without opening hundreds of files together.
 */
export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
