import type { LivePlanApi } from './api.js';
import { Emitter, type Listeners } from './emitter.js';
import { frameError, LivePlanError } from './errors.js';
import type {
  ClientMessage,
  ErrorReply,
  JoinedReply,
  Notice,
  Participant,
  PlanEvent,
  PlanEventOf,
  PlanEventType,
  PlanSnapshot,
  PresenceChangedNotice,
  RemovedFromPlanNotice,
  ResyncRequiredReply,
  TypingNotice,
  UserJoinedNotice,
  UserLeftNotice,
} from './types.js';

export interface PlanOptions {
  /**
   * The seq the app's state is at (e.g. a snapshot's `seq`): the join replays every event
   * after it. Without it the subscription starts at the plan's seq when it first joins.
   */
  since?: number;
  /** Every plan event, once, in seq order (the same as `plan.on('*', …)`). */
  onEvent?: (event: PlanEvent) => void;
  /** The participants, whenever they change. */
  onPresence?: (participants: Participant[]) => void;
}

/** What a {@link PlanSubscription} emits; `plan.on(name, listener)`. */
export type PlanEvents = { [T in PlanEventType]: [PlanEventOf<T>] } & {
  /** Every plan event. */
  '*': [PlanEvent];
  /** The join took effect (after every reconnect too); replayed events follow. */
  joined: [JoinedReply];
  /**
   * The events since `lastSeq` are no longer kept: here is a fresh snapshot; replace the
   * app's state with it. Events after `snapshot.seq` follow.
   */
  resync: [PlanSnapshot];
  /** A seq gap was seen: the subscription joins again with `since` (`expected` is lastSeq + 1). */
  gap: [{ expected: number; received: number }];
  presence: [Participant[]];
  typing: [TypingNotice];
  'user-joined': [UserJoinedNotice];
  'user-left': [UserLeftNotice];
  'presence-changed': [PresenceChangedNotice];
  /** The user was removed from the plan, or it was deleted; the subscription has ended. */
  removed: [RemovedFromPlanNotice];
  error: [LivePlanError];
};

/** The client's side of a subscription (internal). */
export interface PlanHost {
  readonly api: LivePlanApi;
  /** Sends now if connected; answers whether it was sent. */
  send(message: ClientMessage): boolean;
  /** A fresh requestId. */
  requestId(): string;
  /** Whether the seqs just before `seq` were left out for this connection by its own REST call. */
  ownWriteEndsAt(planId: string, seq: number): boolean;
  /** Whether a REST call naming this connection is still unanswered. */
  writesInFlight(): boolean;
  backoff(attempt: number): number;
  forget(plan: PlanSubscription): void;
}

/** `idle`: waiting for a connection; `left`, `removed`, `failed`: ended. */
export type PlanState = 'idle' | 'joining' | 'joined' | 'left' | 'removed' | 'failed';

/** How long events wait behind a gap for this connection's own REST calls to be answered. */
const HOLD_MS = 3000;
/** `typing: true` is repeated at most this often per task (the server expires it after 6 s). */
const TYPING_EVERY_MS = 3000;

/**
 * One plan joined over the client's connection, kept joined across reconnects. It counts
 * seqs: each event reaches the app once and in order (duplicates are dropped; a gap makes
 * it join again with `since`), and it asks for a fresh snapshot on `resync-required`.
 */
export class PlanSubscription {
  readonly planId: string;
  /** The seq of the last event delivered (or of the state the app started from). */
  lastSeq: number | undefined;
  state: PlanState = 'idle';

  private readonly host: PlanHost;
  private readonly emitter = new Emitter<PlanEvents>();
  private readonly people = new Map<string, Participant>();
  /** The requestId of the current join; replies to older ones are ignored. */
  private joinId: string | undefined;
  /** Events held while a snapshot is fetched or an own write is awaited. */
  private held: PlanEvent[] = [];
  private resyncing = 0;
  private awaitingWrites = false;
  /** Set when own writes were awaited too long: a gap is then a gap. */
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private holdExpired = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When `typing: true` was last sent, per task. */
  private readonly typingSince = new Map<string, number>();

  /** @internal Made by `client.plan()`. */
  constructor(host: PlanHost, planId: string, options: PlanOptions = {}) {
    this.host = host;
    this.planId = planId;
    this.lastSeq = options.since;
    if (options.onEvent) this.on('*', options.onEvent);
    if (options.onPresence) this.on('presence', options.onPresence);
  }

  /** Who is in the room now (one entry per user). */
  get participants(): Participant[] {
    return [...this.people.values()];
  }

  /** Listens to one event type, `'*'` for all plan events, or a notice; answers the unsubscribe. */
  on<E extends keyof PlanEvents>(event: E, listener: NoInfer<Listeners<PlanEvents>[E]>): () => void {
    return this.emitter.on(event, listener);
  }

  /**
   * Tells the others in the room that the user is (or stopped) typing in a task. Call it
   * on every keystroke: `true` is sent at most every 3 s per task, `false` only after a
   * `true` (messages count against the connection's rate limit).
   */
  typing(taskId: string, isTyping: boolean): void {
    if (this.state !== 'joined') return;
    const since = this.typingSince.get(taskId);
    if (isTyping ? since !== undefined && Date.now() - since < TYPING_EVERY_MS : since === undefined) return;
    if (isTyping) this.typingSince.set(taskId, Date.now());
    else this.typingSince.delete(taskId);
    this.host.send({ type: 'typing', planId: this.planId, taskId, isTyping });
  }

  /** Leaves the plan's room; the subscription ends. */
  leave(): void {
    if (this.ended()) return;
    this.host.send({ type: 'leave-plan', planId: this.planId });
    this.end('left');
  }

  // ---- driven by the client ----

  /** @internal The connection is up: join (again), resuming from lastSeq. */
  join(): void {
    if (this.ended()) return;
    this.reset();
    this.joinId = this.host.requestId();
    const message: ClientMessage = { type: 'join-plan', planId: this.planId, requestId: this.joinId };
    if (this.lastSeq !== undefined) message.since = this.lastSeq;
    this.state = this.host.send(message) ? 'joining' : 'idle';
  }

  /** @internal The connection is gone; the next one joins again. */
  disconnected(): void {
    this.reset();
    if (this.ended()) return;
    this.state = 'idle';
    this.joinId = undefined;
  }

  /** @internal The client closed. */
  closed(): void {
    this.end('left');
  }

  /** @internal Whether `requestId` names this subscription's current join. */
  owns(requestId: string | undefined): boolean {
    return requestId !== undefined && requestId === this.joinId;
  }

  /** @internal */
  onJoined(reply: JoinedReply): void {
    if (!this.owns(reply.requestId)) return;
    clearTimeout(this.retryTimer);
    this.state = 'joined';
    this.retries = 0;
    if (this.lastSeq === undefined) this.lastSeq = reply.seq;
    this.people.clear();
    for (const p of reply.participants) this.people.set(p.userId, p);
    this.emitter.emit('joined', reply);
    this.presenceChanged();
  }

  /** @internal The join failed: retry what may pass later, end on what will not. */
  onJoinError(reply: ErrorReply): void {
    this.joinId = undefined;
    this.emitter.emit('error', frameError(reply));
    if (reply.code === 'not_found' || reply.code === 'forbidden' || reply.code === 'bad_request') {
      this.end('failed');
      return;
    }
    this.state = 'idle';
    const delay = reply.retryAfterMs ?? this.host.backoff(this.retries++);
    this.retryTimer = setTimeout(() => this.join(), delay);
  }

  /**
   * @internal A message was dropped by the server's rate limit (its `error` names no
   * request): if it was this join, ask again; leave first, in case it was not.
   */
  onRateLimited(retryAfterMs: number): void {
    if (this.state !== 'joining') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.host.send({ type: 'leave-plan', planId: this.planId });
      this.join();
    }, retryAfterMs);
  }

  /** @internal `since` is older than what the server keeps: fetch a snapshot. */
  onResyncRequired(reply: ResyncRequiredReply): void {
    if (!this.owns(reply.requestId)) return;
    this.resync();
  }

  /** Fetches the snapshot and continues from its seq (emits `resync`). */
  resync(): void {
    const round = ++this.resyncing;
    const fetchSnapshot = (attempt: number): void => {
      this.host.api.getPlan(this.planId).then(
        (snapshot) => {
          if (round !== this.resyncing || this.ended()) return;
          this.resyncing = 0;
          this.lastSeq = snapshot.seq;
          this.emitter.emit('resync', snapshot);
          this.release();
        },
        (e: unknown) => {
          if (round !== this.resyncing || this.ended()) return;
          const error = e instanceof LivePlanError ? e : new LivePlanError(0, 'network', String(e));
          this.emitter.emit('error', error);
          if (error.status >= 400 && error.status < 500 && error.status !== 429) {
            this.resyncing = 0;
            this.end('failed');
            return;
          }
          this.retryTimer = setTimeout(() => fetchSnapshot(attempt + 1), this.host.backoff(attempt));
        },
      );
    };
    fetchSnapshot(0);
  }

  /** @internal A plan event for this plan. */
  onEvent(event: PlanEvent): void {
    if (this.state !== 'joined') return; // before `joined` or while joining again: replayed later
    if (this.resyncing || this.awaitingWrites) {
      this.held.push(event);
      return;
    }
    const last = this.lastSeq ?? event.seq - 1;
    if (event.seq <= last) return; // seen already
    if (event.seq > last + 1 && !this.host.ownWriteEndsAt(this.planId, event.seq)) {
      if (this.host.writesInFlight() && !this.holdExpired) {
        // Perhaps this connection's own call, whose answer (and X-Plan-Seq) is on its way.
        this.awaitingWrites = true;
        this.held.push(event);
        this.holdTimer ??= setTimeout(() => {
          this.holdExpired = true;
          this.writesSettled();
        }, HOLD_MS);
        return;
      }
      this.emitter.emit('gap', { expected: last + 1, received: event.seq });
      this.host.send({ type: 'leave-plan', planId: this.planId });
      this.join();
      return;
    }
    this.lastSeq = event.seq;
    this.emitter.emit(event.type, event as never);
    this.emitter.emit('*', event);
  }

  /** @internal The REST calls in flight were answered: look at the held events again. */
  writesSettled(): void {
    if (!this.awaitingWrites) return;
    this.awaitingWrites = false;
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.release();
  }

  /** @internal A room notice for this plan. */
  onNotice(notice: Notice): void {
    if (this.state !== 'joined') return;
    switch (notice.type) {
      case 'typing':
        this.emitter.emit('typing', notice);
        return;
      case 'user-joined': {
        const known = this.people.get(notice.user.id);
        this.people.set(notice.user.id, {
          userId: notice.user.id,
          name: notice.user.name,
          status: known?.status ?? 'online',
          connections: (known?.connections ?? 0) + 1,
        });
        this.emitter.emit('user-joined', notice);
        break;
      }
      case 'user-left':
        this.people.delete(notice.user.id);
        this.emitter.emit('user-left', notice);
        break;
      case 'presence-changed': {
        const known = this.people.get(notice.user.id);
        if (known) this.people.set(notice.user.id, { ...known, status: notice.status });
        this.emitter.emit('presence-changed', notice);
        break;
      }
    }
    this.presenceChanged();
  }

  /** @internal The user's connections were put out of the room. */
  onRemoved(notice: RemovedFromPlanNotice): void {
    if (this.ended()) return;
    this.end('removed');
    this.emitter.emit('removed', notice);
  }

  // ---- inside ----

  private release(): void {
    const held = this.held;
    this.held = [];
    for (let i = 0; i < held.length; i++) {
      this.onEvent(held[i]!);
      if (this.awaitingWrites || this.state !== 'joined') {
        // Held again (or joining again): keep the rest in order behind it.
        if (this.awaitingWrites) this.held.push(...held.slice(i + 1));
        return;
      }
    }
  }

  private reset(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.holdExpired = false;
    this.awaitingWrites = false;
    this.held = [];
    this.typingSince.clear();
    this.resyncing = 0; // a snapshot still on its way is ignored; the next join asks again
  }

  private presenceChanged(): void {
    this.emitter.emit('presence', this.participants);
  }

  private ended(): boolean {
    return this.state === 'left' || this.state === 'removed' || this.state === 'failed';
  }

  private end(state: PlanState): void {
    this.reset();
    this.state = state;
    this.joinId = undefined;
    this.host.forget(this);
  }
}
