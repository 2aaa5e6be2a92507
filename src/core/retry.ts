/** The one retry helper: exponential backoff with full jitter, everything injectable. */
import { isRetryable as defaultIsRetryable } from './errors.js';

/** How to retry. Tests pass `sleep: async () => {}`. */
export interface RetryOptions {
  /** Further attempts after the first (0: try once). */
  retries: number;
  /** Whether an error is worth another attempt. Default: errors.isRetryable. */
  isRetryable?: (error: unknown) => boolean;
  /** Waits between attempts. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** First delay ceiling in ms (doubles each attempt). Default 500. */
  baseDelayMs?: number;
  /** Largest delay in ms. Default 10 000. */
  maxDelayMs?: number;
  /** Random source in [0, 1) for the jitter. Default Math.random. */
  random?: () => number;
  /** Told before each new attempt, with the error that caused it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Delay before retry `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * A Retry-After header's wait in ms: delta-seconds or an HTTP date; undefined
 * when absent or unreadable. (RFC 9110 §10.2.3)
 */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The longest Retry-After honoured: a server asking for more is not waited for that long. */
const MAX_RETRY_AFTER_MS = 60_000;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, the error is not retryable, or `retries`
 * further attempts have failed; then throws the last error. `fn` is told
 * the attempt number (1-based).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error: unknown) {
      if (attempt > options.retries || !isRetryable(error)) throw error;
      // A server that said when to come back (Retry-After) is not asked sooner.
      const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
      const backoff = backoffDelay(attempt, options.baseDelayMs ?? 500, options.maxDelayMs ?? 10_000, random);
      const delay = typeof asked === 'number' ? Math.max(backoff, Math.min(asked, MAX_RETRY_AFTER_MS)) : backoff;
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
