import { LivePlanApi, type OwnWrite } from './api.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { Emitter, type Listeners } from './emitter.js';
import { frameError, LivePlanError } from './errors.js';
import { PlanSubscription, type PlanHost, type PlanOptions } from './plan.js';
import {
  PLAN_EVENT_TYPES,
  type ClientMessage,
  type ConnectedReply,
  type ErrorReply,
  type PersonalNotice,
  type PlanEvent,
  type PresenceStatus,
  type ServerFrame,
  type UserRef,
} from './types.js';

/**
 * - `connecting`: the first connection is being made;
 * - `connected`: `connected` was received; plans are (re)joined;
 * - `reconnecting`: the connection was lost; waiting for, or making, the next one;
 * - `offline`: the browser says it is offline; waiting for `online`;
 * - `unauthorized`: the server refused the token and no fresh one could be had (ended;
 *   `setToken()` starts again);
 * - `closed`: `close()` was called (ended).
 */
export type Status = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'unauthorized' | 'closed';

/** The part of the WebSocket API the client uses (the browser's, or `ws`'s in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface LivePlanClientOptions {
  /** The server's base URL (`https://plans.example.com`); the socket is `<url>/ws`. */
  url: string;
  /** The JWT to start with. */
  token?: string;
  /**
   * Answers a fresh JWT: called when there is no token, before the token expires (it is
   * then refreshed in-band), and once after the server refuses one (close 4401).
   */
  getToken?: () => string | Promise<string>;
  /** Default: the global `WebSocket` (Node 20 has none: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Reconnect delays: full jitter over `min(maxMs, baseMs · factor^n)`. */
  backoff?: Partial<BackoffOptions>;
  /** Give up on a connection that has not said `connected` within this (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Refresh the token this long before it expires, at most half its remaining life (default 30 000 ms). */
  refreshLeadMs?: number;
}

/** Why the connection ended and what happens next. */
export interface Disconnect {
  code: number;
  reason: string;
  /** ms until the next attempt; absent when the client stopped. */
  reconnectInMs?: number;
}

export type ClientEvents = {
  status: [status: Status, previous: Status];
  connected: [frame: ConnectedReply];
  disconnected: [info: Disconnect];
  /** A personal notice: `task-assigned`, `due-date-reminder`, `removed-from-plan`. */
  notification: [notice: PersonalNotice];
  error: [error: Error];
  /** Every frame, parsed, before the client acts on it. */
  frame: [frame: ServerFrame];
};

/** Close codes (docs/protocol.md §4.5) the client reconnects after at once, resuming. */
const RESUME_AT_ONCE = new Set([1001, 1008, 4408]);
const UNAUTHORIZED = 4401;
const TOO_MANY = 4429;
/** Codes of the client's own making (a dead or silent connection). */
const NO_ANSWER = 4000;
const PLAN_EVENTS = new Set<string>(PLAN_EVENT_TYPES);
/** setTimeout's largest delay. */
const MAX_DELAY = 2 ** 31 - 1;

/** The `exp` of a JWT, in seconds, read without checking it; undefined if unreadable. */
export function tokenExpiry(token: string): number | undefined {
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '='))).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A connection to a liveplan server that stays up: it reconnects with backoff, resumes
 * every joined plan from its last seq, answers 4401 with a fresh token, refreshes the token
 * before it expires, pings a quiet connection, and follows the browser's online state.
 */
export class LivePlanClient {
  status: Status;
  /** The current connection's id (from `connected`), sent by `api` as `X-Connection-Id`. */
  connectionId: string | undefined;
  /** Who the server says we are. */
  user: UserRef | undefined;
  /** Typed REST helpers for every route (contract §2). */
  readonly api: LivePlanApi;

  private readonly o: LivePlanClientOptions;
  private readonly backoffOptions: BackoffOptions;
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly plans = new Map<string, PlanSubscription>();
  private readonly host: PlanHost;
  private token: string | undefined;
  private ws: WebSocketLike | undefined;
  /** Bumped whenever the current attempt is abandoned. */
  private generation = 0;
  private attempts = 0;
  private everConnected = false;
  /** A fresh token was asked for after a 4401 and has not yet connected. */
  private renewed = false;
  private heartbeatMs = 30_000;
  /** Server clock minus ours, from `connected`. */
  private skewMs = 0;
  private requests = 0;
  private presence: PresenceStatus = 'online';
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** REST calls naming the current connection, not yet answered. */
  private writesInFlight = 0;
  /** The last seqs of answered calls naming the current connection: their events skip it. */
  private ownWrites: { planId?: string; seq: number }[] = [];
  private detach: (() => void) | undefined;

  constructor(options: LivePlanClientOptions) {
    this.o = options;
    this.token = options.token;
    this.backoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.api = new LivePlanApi({
      url: options.url,
      token: () => this.token,
      renewToken: async () => (options.getToken ? (this.token = await options.getToken()) : undefined),
      fetch: options.fetch ?? ((...args) => fetch(...args)),
      connectionId: () => this.connectionId,
      onWrite: (w) => this.onWrite(w),
    });
    this.host = {
      api: this.api,
      send: (m) => this.send(m),
      requestId: () => `r${++this.requests}`,
      ownWriteEndsAt: (planId, seq) =>
        this.ownWrites.some((w) => w.seq === seq - 1 && (w.planId ?? planId) === planId),
      writesInFlight: () => this.writesInFlight > 0,
      backoff: (n) => backoffDelay(n, this.backoffOptions),
      forget: (plan) => {
        if (this.plans.get(plan.planId) === plan) this.plans.delete(plan.planId);
      },
    };
    const g = globalThis as { navigator?: { onLine?: boolean } };
    this.status = g.navigator?.onLine === false ? 'offline' : 'connecting';
    this.watchEnvironment();
    if (this.status === 'connecting') void this.open();
  }

  /** Listens to `status`, `notification`, `error` (and `connected`, `disconnected`, `frame`). */
  on<E extends keyof ClientEvents>(event: E, listener: NoInfer<Listeners<ClientEvents>[E]>): () => void {
    return this.emitter.on(event, listener);
  }

  /**
   * Joins a plan and keeps it joined across reconnects, resuming from its last seq.
   * One subscription per plan: leave() it before subscribing again.
   */
  plan(planId: string, options: PlanOptions = {}): PlanSubscription {
    if (this.status === 'closed') throw new Error('liveplan: the client is closed');
    if (this.plans.has(planId)) throw new Error(`liveplan: plan ${planId} is already subscribed; leave() it first`);
    const plan = new PlanSubscription(this.host, planId, options);
    this.plans.set(planId, plan);
    if (this.status === 'connected') plan.join();
    return plan;
  }

  /** Sets this user's presence in every joined plan (kept across reconnects). */
  setPresence(status: PresenceStatus): void {
    this.presence = status;
    this.send({ type: 'presence', status });
  }

  /**
   * Uses a new token: refreshed in-band while connected; starts connecting again after
   * `unauthorized`.
   */
  setToken(token: string): void {
    this.token = token;
    if (this.status === 'connected') this.refreshWith(token);
    else if (this.status === 'unauthorized') {
      this.attempts = 0;
      void this.open();
    }
  }

  /** Closes the connection for good; every subscription ends. */
  close(): void {
    if (this.status === 'closed') return;
    this.drop(1000, 'client closed');
    for (const plan of [...this.plans.values()]) plan.closed();
    this.detach?.();
    this.setStatus('closed');
  }

  // ---- connecting ----

  private async open(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    const generation = ++this.generation;
    this.setStatus(this.everConnected ? 'reconnecting' : 'connecting');
    if (!this.token && this.o.getToken) {
      try {
        this.token = await this.o.getToken();
      } catch (e) {
        if (generation === this.generation) this.unauthorized(e);
        return;
      }
      if (generation !== this.generation) return;
    }
    const base = this.o.url.replace(/\/+$/, '').replace(/^http/, 'ws');
    const url = `${base}/ws${this.token ? `?token=${encodeURIComponent(this.token)}` : ''}`;
    const WS = this.o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    let ws: WebSocketLike;
    try {
      if (!WS) throw new Error('no WebSocket: pass the `WebSocket` option');
      ws = new WS(url);
    } catch (e) {
      this.emitter.emit('error', e instanceof Error ? e : new Error(String(e)));
      this.afterClose(1006, 'could not connect', false);
      return;
    }
    this.ws = ws;
    ws.addEventListener('message', (event: { data: unknown }) => {
      if (this.ws === ws) this.onFrame(String(event.data));
    });
    ws.addEventListener('close', (event: { code: number; reason: string }) => {
      if (this.ws === ws) this.closed(event.code, event.reason);
    });
    // A close follows every error; without a listener Node's `ws` would throw it.
    ws.addEventListener('error', () => {});
    this.connectTimer = setTimeout(
      () => this.closed(NO_ANSWER, 'no connected frame in time'),
      this.o.connectTimeoutMs ?? 10_000,
    );
  }

  private onConnected(frame: ConnectedReply): void {
    clearTimeout(this.connectTimer);
    this.connectionId = frame.connectionId;
    this.user = frame.user;
    this.heartbeatMs = frame.heartbeatMs > 0 ? frame.heartbeatMs : 30_000;
    const serverTime = Date.parse(frame.serverTime);
    this.skewMs = Number.isNaN(serverTime) ? 0 : serverTime - Date.now();
    this.attempts = 0;
    this.renewed = false;
    this.everConnected = true;
    this.ownWrites = [];
    this.writesInFlight = 0;
    this.setStatus('connected');
    this.emitter.emit('connected', frame);
    if (this.presence !== 'online') this.send({ type: 'presence', status: this.presence });
    for (const plan of [...this.plans.values()]) plan.join();
    this.scheduleRefresh(this.token);
    this.armHeartbeat(); // with the heartbeatMs just learnt
  }

  /** The socket closed (or the client gave up on it). */
  private closed(code: number, reason: string): void {
    const wasConnected = this.connectionId !== undefined;
    this.drop(NO_ANSWER, reason);
    this.afterClose(code, reason, wasConnected);
  }

  /** Forgets the current socket, closing it if open, and every timer of it. */
  private drop(code: number, reason: string): void {
    this.generation++;
    const ws = this.ws;
    this.ws = undefined;
    this.connectionId = undefined;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.connectTimer);
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.refreshTimer);
    if (ws && ws.readyState < 2) {
      try {
        ws.close(code === NO_ANSWER ? 1000 : code, reason);
      } catch {
        // already closing
      }
    }
    for (const plan of this.plans.values()) plan.disconnected();
  }

  /** What to do after a close, by its code's class (docs/protocol.md §4.5). */
  private afterClose(code: number, reason: string, wasConnected: boolean): void {
    if (this.status === 'closed' || this.status === 'offline') return;
    if (code === UNAUTHORIZED) {
      this.emitter.emit('disconnected', { code, reason });
      this.setStatus(this.everConnected ? 'reconnecting' : this.status);
      void this.renewToken(reason);
      return;
    }
    let delay: number;
    if ((RESUME_AT_ONCE.has(code) || code === NO_ANSWER) && wasConnected) delay = 0;
    else
      delay = backoffDelay(
        code === TOO_MANY ? Math.max(this.attempts, 3) : this.attempts,
        this.backoffOptions,
      );
    this.attempts++;
    this.emitter.emit('disconnected', { code, reason, reconnectInMs: delay });
    this.setStatus(this.everConnected ? 'reconnecting' : this.status);
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  /** 4401: one fresh token from getToken(), else `unauthorized`. */
  private async renewToken(reason: string): Promise<void> {
    const old = this.token;
    if (!this.o.getToken || this.renewed) return this.unauthorized(new Error(`token refused: ${reason}`));
    this.renewed = true;
    const generation = this.generation;
    let fresh: string;
    try {
      fresh = await this.o.getToken();
    } catch (e) {
      return this.unauthorized(e);
    }
    if (generation !== this.generation || this.status === 'closed') return;
    if (!fresh || fresh === old) return this.unauthorized(new Error(`token refused: ${reason}; getToken() gave no new one`));
    this.token = fresh;
    void this.open();
  }

  private unauthorized(cause: unknown): void {
    this.drop(1000, 'unauthorized');
    this.emitter.emit('error', new LivePlanError(401, 'unauthorized', String(cause instanceof Error ? cause.message : cause)));
    this.setStatus('unauthorized');
  }

  // ---- frames ----

  private onFrame(text: string): void {
    this.armHeartbeat();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      this.emitter.emit('error', new Error(`liveplan: a frame that is not JSON: ${text.slice(0, 100)}`));
      return;
    }
    this.emitter.emit('frame', frame);
    const plan = 'planId' in frame ? this.plans.get(frame.planId) : undefined;
    if (PLAN_EVENTS.has(frame.type) && 'seq' in frame) {
      plan?.onEvent(frame as PlanEvent);
      return;
    }
    switch (frame.type) {
      case 'connected':
        return this.onConnected(frame);
      case 'joined':
        return plan?.onJoined(frame);
      case 'resync-required':
        return plan?.onResyncRequired(frame);
      case 'token-refreshed':
        return this.scheduleRefresh(this.token);
      case 'error':
        return this.onError(frame);
      case 'user-joined':
      case 'user-left':
      case 'typing':
      case 'presence-changed':
        return plan?.onNotice(frame);
      case 'removed-from-plan':
        plan?.onRemoved(frame);
        this.emitter.emit('notification', frame);
        return;
      case 'task-assigned':
      case 'due-date-reminder':
        this.emitter.emit('notification', frame);
        return;
      // left, pong: nothing more to do (the heartbeat was armed above)
    }
  }

  private onError(frame: ErrorReply): void {
    for (const plan of this.plans.values()) {
      if (plan.owns(frame.requestId)) return plan.onJoinError(frame);
      if (frame.code === 'rate_limited' && !frame.requestId) plan.onRateLimited(frame.retryAfterMs ?? 1000);
    }
    this.emitter.emit('error', frameError(frame));
  }

  /** Sends when connected; answers whether it was sent. */
  private send(message: ClientMessage): boolean {
    if (!this.ws || this.connectionId === undefined) return false;
    try {
      this.ws.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  // ---- heartbeat and token refresh ----

  /** Ping after `heartbeatMs` of silence; give the connection up after as long again. */
  private armHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    if (!this.ws) return;
    this.heartbeatTimer = setTimeout(() => {
      this.send({ type: 'ping' });
      this.heartbeatTimer = setTimeout(() => this.closed(NO_ANSWER, 'no answer to ping'), this.heartbeatMs);
    }, this.heartbeatMs);
  }

  private scheduleRefresh(token: string | undefined): void {
    clearTimeout(this.refreshTimer);
    const exp = token && this.o.getToken ? tokenExpiry(token) : undefined;
    if (exp === undefined) return;
    const left = exp * 1000 - (Date.now() + this.skewMs);
    const lead = Math.min(this.o.refreshLeadMs ?? 30_000, left / 2);
    this.refreshTimer = setTimeout(async () => {
      let fresh: string;
      try {
        fresh = await this.o.getToken!();
      } catch (e) {
        this.emitter.emit('error', e instanceof Error ? e : new Error(String(e)));
        return; // the server will close with 4401, which asks once more
      }
      if (this.token === token && fresh && (tokenExpiry(fresh) ?? Infinity) > exp) {
        this.token = fresh;
        this.refreshWith(fresh);
      }
    }, Math.min(MAX_DELAY, Math.max(0, left - lead)));
  }

  private refreshWith(token: string): void {
    this.send({ type: 'refresh-token', token, requestId: `r${++this.requests}` });
  }

  // ---- own writes (X-Connection-Id) ----

  private onWrite(w: OwnWrite): void {
    if (w.connectionId !== this.connectionId) return;
    if (w.phase === 'start') {
      this.writesInFlight++;
      return;
    }
    this.writesInFlight = Math.max(0, this.writesInFlight - 1);
    if (w.seq !== undefined) {
      this.ownWrites.push(w.planId === undefined ? { seq: w.seq } : { planId: w.planId, seq: w.seq });
      if (this.ownWrites.length > 64) this.ownWrites.shift();
    }
    if (this.writesInFlight === 0) for (const plan of [...this.plans.values()]) plan.writesSettled();
  }

  // ---- the browser ----

  private setStatus(status: Status): void {
    const previous = this.status;
    if (previous === status) return;
    this.status = status;
    this.emitter.emit('status', status, previous);
  }

  /** `offline` pauses; `online` and a page made visible again reconnect at once. */
  private watchEnvironment(): void {
    const g = globalThis as {
      addEventListener?: (t: string, l: () => void) => void;
      removeEventListener?: (t: string, l: () => void) => void;
      document?: {
        visibilityState?: string;
        addEventListener?: (t: string, l: () => void) => void;
        removeEventListener?: (t: string, l: () => void) => void;
      };
    };
    if (typeof g.addEventListener !== 'function') return;
    const offline = () => {
      if (this.status === 'closed' || this.status === 'unauthorized') return;
      this.drop(1000, 'offline');
      this.emitter.emit('disconnected', { code: 1000, reason: 'offline' });
      this.setStatus('offline');
    };
    const wake = () => {
      const waiting = !this.ws && (this.status === 'reconnecting' || this.status === 'connecting');
      if (this.status === 'offline' || waiting) {
        this.attempts = 0;
        void this.open();
      }
    };
    const visible = () => {
      if (g.document?.visibilityState === 'visible') wake();
    };
    g.addEventListener('offline', offline);
    g.addEventListener('online', wake);
    g.document?.addEventListener?.('visibilitychange', visible);
    this.detach = () => {
      g.removeEventListener?.('offline', offline);
      g.removeEventListener?.('online', wake);
      g.document?.removeEventListener?.('visibilitychange', visible);
    };
  }
}
