/** A worker pool that really limits how many tasks run at once. */

/**
 * Runs `worker` over `items` with at most `concurrency` running at a time.
 * A task starts only when a worker is free, never before. Results keep the
 * order of `items`. Every item is attempted; if any worker throws, the first
 * error is rethrown after all have settled (workers are expected to catch
 * and record their own problems).
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const results = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const runWorker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await worker(items[index]!, index);
      } catch (error: unknown) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, runWorker));
  if (errors.length > 0) throw errors[0];
  return results;
}
