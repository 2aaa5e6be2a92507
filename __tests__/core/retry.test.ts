import { describe, expect, it } from 'vitest';
import { InputError, IntegrityError, NotFoundError, TransferError } from '../../src/core/errors.js';
import { backoffDelay, retry, retryAfterMs } from '../../src/core/retry.js';

/** A sleep that records the delays asked for and never waits. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

const networkError = (n: number): Error => Object.assign(new Error(`reset ${n}`), { code: 'ECONNRESET' });

describe('retry', () => {
  it('returns the first success and passes 1-based attempt numbers', async () => {
    const { sleep, delays } = recordingSleep();
    const attempts: number[] = [];
    const result = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new TransferError(`broke ${attempt}`);
        return `done on ${attempt}`;
      },
      { retries: 5, sleep, random: () => 0.5 },
    );
    expect(result).toBe('done on 3');
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toHaveLength(2);
  });

  it('calls fn once and never sleeps when the first attempt succeeds', async () => {
    const { sleep, delays } = recordingSleep();
    const attempts: number[] = [];
    expect(await retry(async (attempt) => (attempts.push(attempt), 42), { retries: 3, sleep })).toBe(42);
    expect(attempts).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it.each([0, 1, 3, 7])('with retries=%i makes retries+1 attempts, then throws the last error', async (retries) => {
    const { sleep, delays } = recordingSleep();
    const errors: Error[] = [];
    const attempts: number[] = [];
    const promise = retry(
      async (attempt) => {
        attempts.push(attempt);
        const error = networkError(attempt);
        errors.push(error);
        throw error;
      },
      { retries, sleep, random: () => 0 },
    );
    const last = await promise.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(attempts).toEqual(Array.from({ length: retries + 1 }, (_, i) => i + 1));
    expect(delays).toHaveLength(retries);
    expect(errors).toHaveLength(retries + 1);
    expect(last).toBe(errors[retries]);
    expect((last as Error).message).toBe(`reset ${retries + 1}`);
  });

  it.each([
    ['a plain Error', () => new Error('bug')],
    ['an InputError', () => new InputError('bad input')],
    ['a NotFoundError', () => new NotFoundError('gone')],
    ['an unknown error code', () => Object.assign(new Error('denied'), { code: 'EACCES' })],
    ['a thrown string', () => 'just a string'],
  ])('stops at once on a non-retryable error (%s)', async (_label, make) => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    const thrown = make();
    await expect(
      retry(
        async () => {
          calls++;
          throw thrown;
        },
        { retries: 5, sleep },
      ),
    ).rejects.toBe(thrown);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it.each([
    ['TransferError', () => new TransferError('short')],
    ['IntegrityError', () => new IntegrityError('a.whl', 'aa', 'bb', 1)],
    ['ETIMEDOUT', () => Object.assign(new Error('t'), { code: 'ETIMEDOUT' })],
    ['UND_ERR_SOCKET', () => Object.assign(new Error('s'), { code: 'UND_ERR_SOCKET' })],
  ])('retries a retryable %s by default', async (_label, make) => {
    const { sleep } = recordingSleep();
    let calls = 0;
    await retry(
      async () => {
        if (++calls === 1) throw make();
      },
      { retries: 1, sleep },
    );
    expect(calls).toBe(2);
  });

  it('uses an injected isRetryable, told the error itself', async () => {
    const { sleep } = recordingSleep();
    const seen: unknown[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 3) throw new Error(`plain ${calls}`);
        return 'ok';
      },
      {
        retries: 3,
        sleep,
        isRetryable: (error) => (seen.push((error as Error).message), true),
      },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual(['plain 1', 'plain 2']);
    // And the opposite: a retryable TransferError is not retried when told so.
    let refusedCalls = 0;
    await expect(
      retry(
        async () => {
          refusedCalls++;
          throw new TransferError('x');
        },
        { retries: 3, sleep, isRetryable: () => false },
      ),
    ).rejects.toBeInstanceOf(TransferError);
    expect(refusedCalls).toBe(1);
  });

  it('sleeps the backoff delays: full jitter, doubling, capped', async () => {
    const { sleep, delays } = recordingSleep();
    await expect(
      retry(
        async () => {
          throw new TransferError('again');
        },
        { retries: 6, sleep, baseDelayMs: 100, maxDelayMs: 1500, random: () => 0.5 },
      ),
    ).rejects.toBeInstanceOf(TransferError);
    // ceilings 100, 200, 400, 800, 1600→1500, 3200→1500; half of each.
    expect(delays).toEqual([50, 100, 200, 400, 750, 750]);
  });

  it('defaults to a 500 ms base and a 10 s cap', async () => {
    const { sleep, delays } = recordingSleep();
    await expect(
      retry(
        async () => {
          throw new TransferError('again');
        },
        { retries: 7, sleep, random: () => 0.999999 },
      ),
    ).rejects.toBeInstanceOf(TransferError);
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('tells onRetry the error, the number of the next attempt and the delay, before sleeping', async () => {
    const events: string[] = [];
    const calls: [string, number, number][] = [];
    let n = 0;
    const result = await retry(
      async (attempt) => {
        events.push(`attempt ${attempt}`);
        if (++n < 4) throw new TransferError(`e${n}`);
        return n;
      },
      {
        retries: 5,
        baseDelayMs: 10,
        random: () => 1 - Number.EPSILON,
        sleep: async (ms) => void events.push(`sleep ${ms}`),
        onRetry: (error, attempt, delay) => {
          calls.push([(error as Error).message, attempt, delay]);
          events.push(`onRetry ${attempt}`);
        },
      },
    );
    expect(result).toBe(4);
    expect(calls).toEqual([
      ['e1', 2, 10],
      ['e2', 3, 20],
      ['e3', 4, 40],
    ]);
    expect(events).toEqual([
      'attempt 1',
      'onRetry 2',
      'sleep 10',
      'attempt 2',
      'onRetry 3',
      'sleep 20',
      'attempt 3',
      'onRetry 4',
      'sleep 40',
      'attempt 4',
    ]);
  });

  it('does not call onRetry after the last attempt or for a non-retryable error', async () => {
    const attempts: number[] = [];
    await expect(
      retry(
        async () => {
          throw new TransferError('x');
        },
        { retries: 2, sleep: async () => {}, onRetry: (_e, attempt) => attempts.push(attempt) },
      ),
    ).rejects.toThrow('x');
    expect(attempts).toEqual([2, 3]);
    const none: number[] = [];
    await expect(
      retry(
        async () => {
          throw new InputError('y');
        },
        { retries: 2, sleep: async () => {}, onRetry: (_e, attempt) => none.push(attempt) },
      ),
    ).rejects.toThrow('y');
    expect(none).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 100, 10_000, 100],
    [2, 100, 10_000, 200],
    [3, 100, 10_000, 400],
    [5, 100, 10_000, 1600],
    [8, 100, 10_000, 10_000],
    [30, 500, 10_000, 10_000],
    [4, 1000, 3000, 3000],
  ])('attempt %i (base %i, max %i) lies in [0, %i]', (attempt, base, max, ceiling) => {
    expect(ceiling).toBe(Math.min(max, base * 2 ** (attempt - 1)));
    expect(backoffDelay(attempt, base, max, () => 0)).toBe(0);
    expect(backoffDelay(attempt, base, max, () => 0.5)).toBe(Math.round(ceiling / 2));
    expect(backoffDelay(attempt, base, max, () => 1 - Number.EPSILON)).toBe(ceiling);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(attempt, base, max, Math.random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(ceiling);
      expect(Number.isInteger(delay)).toBe(true);
    }
  });

  it('is uniform: scales linearly with the random value', () => {
    expect([0, 0.25, 0.5, 0.75].map((r) => backoffDelay(3, 100, 10_000, () => r))).toEqual([0, 100, 200, 300]);
  });

  it('calls the random source once per delay', () => {
    let calls = 0;
    backoffDelay(2, 100, 1000, () => (calls++, 0.3));
    expect(calls).toBe(1);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(' 0 ')).toBe(0);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('waits at least as long as the server asked, at most 60 s, never less than the backoff', async () => {
    const { sleep, delays } = recordingSleep();
    const slowDown = (ms: number): Error => Object.assign(new TransferError('503 SlowDown'), { retryAfterMs: ms });
    const errors = [slowDown(7000), slowDown(600_000), slowDown(0)];
    await retry(
      async () => {
        const next = errors.shift();
        if (next) throw next;
        return 'done';
      },
      { retries: 3, sleep, random: () => 0.5, baseDelayMs: 1000 },
    );
    expect(delays).toEqual([7000, 60_000, 2000]);
  });
});
