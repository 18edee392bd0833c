/** How long to wait before reconnect attempt `n` (0, 1, 2, … since the last success). */
export interface BackoffOptions {
  /** The first attempt's ceiling, in ms (default 500). */
  baseMs: number;
  /** The largest ceiling, in ms (default 30 000). */
  maxMs: number;
  /** Growth of the ceiling per attempt (default 2). */
  factor: number;
  /** A number in [0, 1) (default `Math.random`). */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 500,
  maxMs: 30_000,
  factor: 2,
  random: Math.random,
};

/** The ceiling for attempt `n`: `min(maxMs, baseMs · factor^n)`. */
export function backoffCeiling(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(o.maxMs, o.baseMs * o.factor ** attempt);
}

/**
 * Full jitter (AWS, "Exponential Backoff And Jitter"): a uniform delay in
 * `[0, min(maxMs, baseMs · factor^n))`, so clients that lost the server together do not
 * come back together.
 */
export function backoffDelay(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.floor(o.random() * backoffCeiling(attempt, o));
}
