import { describe, expect, it } from 'vitest';
import { runPool } from '../../src/core/pool.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('runPool', () => {
  it.each([1, 2, 3, 5])('never runs more than concurrency=%i workers at once, and starts the next when one finishes', async (concurrency) => {
    const items = Array.from({ length: 9 }, (_, i) => i);
    const gates = items.map(() => deferred<void>());
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const pool = runPool(items, concurrency, async (item, index) => {
      expect(index).toBe(item);
      started.push(item);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await gates[item]!.promise;
      inFlight--;
      return item * 10;
    });
    await settle();
    expect(started).toEqual(items.slice(0, concurrency));
    expect(inFlight).toBe(concurrency);
    // Finish tasks out of order, one at a time: exactly one new task starts each time.
    const order = [...items].reverse();
    let finished = 0;
    for (const item of order) {
      if (!started.includes(item)) continue;
      gates[item]!.resolve();
      finished++;
      await settle();
      expect(inFlight).toBeLessThanOrEqual(concurrency);
      expect(started.length).toBe(Math.min(items.length, concurrency + finished));
    }
    // Release whatever is still waiting.
    while (started.length > finished) {
      for (const item of started) gates[item]!.resolve();
      finished = started.length;
      await settle();
    }
    expect(await pool).toEqual(items.map((i) => i * 10));
    expect(peak).toBe(concurrency);
    expect(started.sort((a, b) => a - b)).toEqual(items);
  });

  it('keeps results in input order whatever order tasks finish in', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const delays = [5, 1, 4, 0, 2];
    const result = await runPool(items, 3, async (item, index) => {
      await new Promise((resolve) => setTimeout(resolve, delays[index]));
      return item.toUpperCase();
    });
    expect(result).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('with more workers than items runs each item once', async () => {
    const calls: number[] = [];
    expect(await runPool([1, 2], 10, async (n) => (calls.push(n), n + 1))).toEqual([2, 3]);
    expect(calls.sort()).toEqual([1, 2]);
  });

  it('returns [] for no items without calling the worker', async () => {
    let called = false;
    expect(await runPool([], 4, async () => (called = true))).toEqual([]);
    expect(called).toBe(false);
  });

  it('attempts every item even when some throw, then rethrows the first error', async () => {
    const attempted: number[] = [];
    const first = new Error('item 1 failed');
    const second = new Error('item 3 failed');
    const items = [0, 1, 2, 3, 4, 5];
    const error = await runPool(items, 2, async (item) => {
      attempted.push(item);
      await settle();
      if (item === 1) throw first;
      if (item === 3) throw second;
      return item;
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBe(first);
    expect(attempted.sort()).toEqual(items);
  });

  it('does not reject before the slow tasks finish', async () => {
    const slow = deferred<string>();
    let slowDone = false;
    let rejected = false;
    const pool = runPool([0, 1], 2, async (item) => {
      if (item === 0) throw new Error('fast failure');
      const value = await slow.promise;
      slowDone = true;
      return value;
    }).catch((e: unknown) => {
      rejected = true;
      throw e;
    });
    await settle();
    expect(rejected).toBe(false);
    slow.resolve('late');
    await expect(pool).rejects.toThrow('fast failure');
    expect(slowDone).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects concurrency %s with a RangeError before calling the worker', async (concurrency) => {
    let called = false;
    await expect(runPool([1, 2, 3], concurrency, async () => (called = true))).rejects.toThrow(RangeError);
    await expect(runPool([1], concurrency, async () => 1)).rejects.toThrow(/concurrency must be a positive integer/);
    expect(called).toBe(false);
  });
});
