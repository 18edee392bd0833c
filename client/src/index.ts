export { LivePlanClient, tokenExpiry } from './client.js';
export type {
  ClientEvents,
  Disconnect,
  LivePlanClientOptions,
  Status,
  WebSocketConstructor,
  WebSocketLike,
} from './client.js';
export { PlanSubscription } from './plan.js';
export type { PlanEvents, PlanOptions, PlanState } from './plan.js';
export { LivePlanApi } from './api.js';
export type { ApiOptions, ApiResponse, OwnWrite, RequestOptions } from './api.js';
export { LivePlanError } from './errors.js';
export { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export * from './types.js';
