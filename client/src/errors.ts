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
    super(message, extra);
    this.name = 'LivePlanError';
    this.status = status;
    this.code = code;
    if (extra.current) this.current = extra.current;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
  }
}

/**
 * The error code of each HTTP status (for an answer without an error body, e.g. from a
 * proxy), and backwards the status of a code (for WebSocket `error` frames).
 */
export const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'too_large',
  429: 'rate_limited',
  503: 'unavailable',
};

/** A WebSocket `error` frame as a {@link LivePlanError}, with the status REST would answer. */
export function frameError(frame: { code: string; message: string }): LivePlanError {
  const status = Object.keys(STATUS_CODES).find((s) => STATUS_CODES[+s] === frame.code);
  return new LivePlanError(status ? +status : 500, frame.code, frame.message);
}
