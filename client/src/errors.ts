import type { Task } from './types.js';

/**
 * A REST call that failed: the server's `{"error": {code, message}}` with the HTTP status,
 * or, when no answer came, status 0 and code `network`.
 */
export class LivePlanError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The contract's code (`not_found`, `conflict`, …), or `network`. */
  readonly code: string;
  /** On 409 `conflict`: the task as it is now. */
  readonly current?: Task;
  /** On 429: seconds to wait (`Retry-After`). */
  readonly retryAfter?: number;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { current?: Task; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'LivePlanError';
    this.status = status;
    this.code = code;
    if (extra.current) this.current = extra.current;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
  }
}

/** The HTTP status of each error code a WebSocket `error` frame may carry. */
const STATUS: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  unavailable: 503,
};

/** A WebSocket `error` frame as a {@link LivePlanError}, with the status REST would answer. */
export function frameError(frame: { code: string; message: string }): LivePlanError {
  return new LivePlanError(STATUS[frame.code] ?? 500, frame.code, frame.message);
}
