/**
 * The retry schedule shared by webhook deliveries and member messages: exponential backoff
 * (`baseMs × 4^(attempt-1)`, capped at `maxMs`) with ±20 % jitter so a receiver that comes back after
 * an outage is not hit by every queued delivery in the same second.
 */
export interface RetryPolicy {
  /** After this many attempts a delivery is dead (dead-lettered) until replayed. */
  maxAttempts: number;
  /** The delay after the first failed attempt. */
  baseDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 6 * 3600_000,
};

/** The delay before the next attempt after `attempt` (1-based) attempts have failed. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = policy.baseDelayMs * 4 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exp);
  return Math.round(capped * (0.8 + 0.4 * random()));
}
