/**
 * `liveplan-client/react`: the `usePlanWebSocket` hook and `LivePlanProvider`.
 *
 * One connection per server URL for every hook on the page, one join per plan for every
 * hook on that plan (both reference-counted, released a tick after the last user leaves
 * so that React's StrictMode remount re-acquires instead of reconnecting).
 */
import {
  createContext,
  createElement,
  useContext,
  useEffect,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { LivePlanClient, type LivePlanClientOptions, type Status, type WebSocketConstructor } from './client.js';
import type { PlanState, PlanSubscription } from './plan.js';
import type {
  Participant,
  PlanEvent,
  PlanEventOf,
  PlanEventType,
  PlanSnapshot,
  TypingNotice,
  UserJoinedNotice,
  UserLeftNotice,
  UserRef,
} from './types.js';

// ---- shared clients and plans ----------------------------------------------------------

/** How long a released client or plan waits for a new user before it is closed / left. */
const RELEASE_DELAY_MS = 0;

interface ClientEntry {
  client: LivePlanClient;
  refs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface PlanEntry {
  plan: PlanSubscription;
  refs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The clients made without a provider's own client, by URL. */
const clients = new Map<string, ClientEntry>();
/** The shared subscriptions of each client, by plan id. */
const plansOf = new WeakMap<LivePlanClient, Map<string, PlanEntry>>();

function acquireClient(options: LivePlanClientOptions): LivePlanClient {
  let entry = clients.get(options.url);
  if (!entry || entry.client.status === 'closed') {
    entry = { client: new LivePlanClient(options), refs: 0, timer: undefined };
    clients.set(options.url, entry);
  }
  clearTimeout(entry.timer);
  entry.timer = undefined;
  entry.refs++;
  return entry.client;
}

function releaseClient(client: LivePlanClient): void {
  for (const [url, entry] of clients) {
    if (entry.client !== client) continue;
    if (--entry.refs > 0) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (entry.refs > 0) return;
      clients.delete(url);
      client.close();
    }, RELEASE_DELAY_MS);
    return;
  }
}

const ENDED: PlanState[] = ['left', 'removed', 'failed'];

function acquirePlan(client: LivePlanClient, planId: string, since: number | undefined): PlanSubscription {
  let plans = plansOf.get(client);
  if (!plans) plansOf.set(client, (plans = new Map()));
  let entry = plans.get(planId);
  if (!entry || ENDED.includes(entry.plan.state)) {
    entry = { plan: client.plan(planId, since === undefined ? {} : { since }), refs: 0, timer: undefined };
    plans.set(planId, entry);
  }
  clearTimeout(entry.timer);
  entry.timer = undefined;
  entry.refs++;
  return entry.plan;
}

function releasePlan(client: LivePlanClient, plan: PlanSubscription): void {
  const plans = plansOf.get(client);
  const entry = plans?.get(plan.planId);
  if (!plans || !entry || entry.plan !== plan) return;
  if (--entry.refs > 0) return;
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    if (entry.refs > 0) return;
    plans.delete(plan.planId);
    plan.leave();
  }, RELEASE_DELAY_MS);
}

// ---- the provider ----------------------------------------------------------------------

/** What a hook needs to make (or share) a client. */
export interface ConnectionOptions {
  /** The server's base URL; default: the page's origin. */
  url?: string;
  token?: string;
  getToken?: () => string | Promise<string>;
  /** Default: the global `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Any other {@link LivePlanClientOptions} for a client the hook makes. */
  clientOptions?: Partial<LivePlanClientOptions>;
}

type ProviderValue = { client: LivePlanClient } | { options: ConnectionOptions } | undefined;

const LivePlanContext = createContext<ProviderValue>(undefined);

export type LivePlanProviderProps = ({ client: LivePlanClient } | ConnectionOptions) & { children?: ReactNode };

/**
 * Gives every `usePlanWebSocket` below it one connection: either the app's own `client`
 * (the app closes it), or one made from `url`/`token`/`getToken` and shared by URL (closed
 * when the provider and the last hook are gone).
 */
export function LivePlanProvider(props: LivePlanProviderProps): ReactNode {
  const { children, ...rest } = props;
  const own = 'client' in rest && rest.client ? rest.client : undefined;
  const options = own ? undefined : (rest as ConnectionOptions);
  const url = options ? resolveUrl(options.url) : undefined;
  // The provider holds the shared client for as long as it is mounted.
  useEffect(() => {
    if (!options || url === undefined) return;
    const client = acquireClient(clientOptions(options, url));
    return () => releaseClient(client);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url]);
  const value: ProviderValue = own ? { client: own } : { options: options! };
  return createElement(LivePlanContext.Provider, { value }, children);
}

/** The provider's client, if it has one of its own (else undefined). */
export function useLivePlanClient(): LivePlanClient | undefined {
  const value = useContext(LivePlanContext);
  return value && 'client' in value ? value.client : undefined;
}

function resolveUrl(url: string | undefined): string {
  if (url) return url;
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!origin) throw new Error('liveplan: pass `url` (there is no page origin to default to)');
  return origin;
}

function clientOptions(o: ConnectionOptions, url: string): LivePlanClientOptions {
  const options: LivePlanClientOptions = { ...o.clientOptions, url };
  if (o.token !== undefined) options.token = o.token;
  if (o.getToken) options.getToken = o.getToken;
  if (o.WebSocket) options.WebSocket = o.WebSocket;
  return options;
}

// ---- the hook --------------------------------------------------------------------------

/** The part of TanStack Query's `QueryClient` the hook uses. */
export interface QueryClientLike {
  invalidateQueries(filters: { queryKey: readonly unknown[] }): unknown;
}

/** Somebody typing in a task (from `typing` notices; dropped after `typingTimeoutMs` without news). */
export interface TypingEntry {
  taskId: string;
  user: UserRef;
  /** `Date.now()` of the last notice. */
  at: number;
}

/** A `task-moved` event (kept as a name for apps written before it was a plan event). */
export type TaskMovedEvent = PlanEventOf<'task-moved'>;

export interface UsePlanWebSocketOptions extends ConnectionOptions {
  planId: string | undefined | null;
  /** Default true; false leaves the plan (and closes the connection if nothing else uses it). */
  enabled?: boolean;
  /**
   * The seq the app's state is at (a snapshot's `seq`): the join replays every event after
   * it, so nothing between the snapshot and the join is missed. Read when the page first
   * joins the plan (a plan another hook has already joined goes on from its own seq).
   */
  since?: number;
  /** Invalidated on events; see the README for the keys. */
  queryClient?: QueryClientLike;
  /** How long a `typing` notice counts without an update (default 5000 ms). */
  typingTimeoutMs?: number;
  onTaskCreated?: (event: PlanEventOf<'task-created'>) => void;
  onTaskUpdated?: (event: PlanEventOf<'task-updated'>) => void;
  onTaskDeleted?: (event: PlanEventOf<'task-deleted'>) => void;
  onTaskReordered?: (event: PlanEventOf<'task-reordered'>) => void;
  onTaskMoved?: (event: PlanEventOf<'task-moved'>) => void;
  onProgressUpdated?: (event: PlanEventOf<'progress-updated'>) => void;
  onUserJoined?: (notice: UserJoinedNotice) => void;
  onUserLeft?: (notice: UserLeftNotice) => void;
  /** Every plan event. */
  onEvent?: (event: PlanEvent) => void;
  /** The plan's events were pruned past the hook's seq: here is a fresh snapshot. */
  onResync?: (snapshot: PlanSnapshot) => void;
}

export type HookStatus = Status | 'disabled';

export interface UsePlanWebSocketResult {
  /** The connection is up and the plan joined. */
  isConnected: boolean;
  /** The connection's status; `disabled` without a plan or with `enabled: false`. */
  status: HookStatus;
  /** The plan subscription's state. */
  planState: PlanState | undefined;
  participantCount: number;
  participants: Participant[];
  connectionId: string | undefined;
  lastSeq: number | undefined;
  /** Who is typing in which task. */
  typing: TypingEntry[];
  /** While reconnecting: `Date.now()` of the next attempt (for "reconnecting in N s"). */
  retryAt: number | undefined;
  /** Tells the room that this user is (or stopped) typing in a task. */
  sendTyping: (taskId: string, isTyping: boolean) => void;
  client: LivePlanClient | undefined;
  plan: PlanSubscription | undefined;
}

/** The query keys an event invalidates (documented in the README). */
export function queryKeysFor(event: PlanEvent): unknown[][] {
  const p = event.planId;
  const keys: unknown[][] = [];
  const task = (id: string | undefined) => {
    if (id) keys.push(['task', id]);
  };
  switch (event.type) {
    case 'task-created':
      keys.push(['plan', p], ['tasks', p], ['progress', p]);
      task(event.data.task.id);
      break;
    case 'task-updated':
      keys.push(['plan', p], ['tasks', p], ['progress', p]);
      task(event.data.task.id);
      break;
    case 'task-deleted':
      keys.push(['plan', p], ['tasks', p], ['progress', p]);
      task(event.data.taskId);
      break;
    case 'task-moved':
      keys.push(['plan', p], ['tasks', p], ['progress', p]);
      task(event.data.task.id);
      break;
    case 'column-created':
    case 'column-updated':
    case 'column-deleted':
    case 'columns-reordered':
      keys.push(['plan', p], ['columns', p]);
      break;
    case 'sprint-created':
    case 'sprint-updated':
    case 'sprint-started':
    case 'sprint-completed':
      // A completion's carried-over tasks come with their own task-updated events.
      keys.push(['plan', p], ['sprints', p]);
      break;
    case 'task-reordered':
      keys.push(['plan', p], ['tasks', p]);
      break;
    case 'progress-updated':
      keys.push(['progress', p]);
      break;
    case 'plan-updated':
    case 'plan-archived':
    case 'plan-restored':
      keys.push(['plan', p]);
      break;
    case 'plan-deleted':
      keys.push(['plan', p], ['tasks', p], ['progress', p], ['members', p]);
      break;
    case 'member-added':
    case 'member-updated':
    case 'member-removed':
      keys.push(['plan', p], ['members', p]);
      break;
    case 'comment-added':
    case 'comment-updated':
      keys.push(['comments', event.data.comment.taskId]);
      task(event.data.comment.taskId);
      break;
    case 'comment-deleted':
      keys.push(['comments', event.data.taskId]);
      task(event.data.taskId);
      break;
  }
  return keys;
}

/** Every key of a plan (after a resync). */
function planKeys(planId: string): unknown[][] {
  return [['plan', planId], ['tasks', planId], ['progress', planId], ['members', planId]];
}

const CALLBACKS: Partial<Record<PlanEventType, keyof UsePlanWebSocketOptions>> = {
  'task-created': 'onTaskCreated',
  'task-updated': 'onTaskUpdated',
  'task-deleted': 'onTaskDeleted',
  'task-reordered': 'onTaskReordered',
  'task-moved': 'onTaskMoved',
  'progress-updated': 'onProgressUpdated',
};

interface HookState {
  status: HookStatus;
  planState: PlanState | undefined;
  participants: Participant[];
  connectionId: string | undefined;
  lastSeq: number | undefined;
  typing: TypingEntry[];
  retryAt: number | undefined;
}

const DISABLED: HookState = {
  status: 'disabled',
  planState: undefined,
  participants: [],
  connectionId: undefined,
  lastSeq: undefined,
  typing: [],
  retryAt: undefined,
};

/**
 * Joins a plan over the page's shared connection and keeps the component up to date:
 * connection status, participants, typing, the last seq; plan events reach the callbacks
 * (read at call time: changing them does not rejoin) and invalidate `queryClient`'s keys.
 */
export function usePlanWebSocket(options: UsePlanWebSocketOptions): UsePlanWebSocketResult {
  const provided = useContext(LivePlanContext);
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<HookState>(DISABLED);
  const [handles, setHandles] = useState<{ client: LivePlanClient; plan: PlanSubscription } | undefined>();

  const { planId, enabled = true } = options;
  const own = provided && 'client' in provided ? provided.client : undefined;
  const connection = provided && 'options' in provided ? { ...provided.options, ...defined(options) } : options;
  const url = own ? undefined : planId && enabled ? resolveUrl(connection.url) : undefined;

  useEffect(() => {
    if (!planId || !enabled) {
      setState(DISABLED);
      setHandles(undefined);
      return;
    }
    const client = own ?? acquireClient(clientOptions(connection, url!));
    const plan = acquirePlan(client, planId, latest.current.since);
    const typing = new Map<string, { entry: TypingEntry; timer: ReturnType<typeof setTimeout> }>();
    const typingMs = () => latest.current.typingTimeoutMs ?? 5000;
    const typingList = () => [...typing.values()].map((t) => t.entry);
    let retryAt: number | undefined;
    const snapshot = (): HookState => ({
      status: client.status,
      planState: plan.state,
      participants: plan.participants,
      connectionId: client.connectionId,
      lastSeq: plan.lastSeq,
      typing: typingList(),
      retryAt: client.status === 'connected' ? undefined : retryAt,
    });
    let live = true;
    const update = () => {
      if (live) setState(snapshot());
    };
    const dropTyping = (key: string) => {
      const t = typing.get(key);
      if (!t) return;
      clearTimeout(t.timer);
      typing.delete(key);
    };
    const invalidate = (keys: unknown[][]) => {
      const qc = latest.current.queryClient;
      if (qc) for (const queryKey of keys) void qc.invalidateQueries({ queryKey });
    };

    const offs = [
      client.on('status', update),
      client.on('disconnected', (d) => {
        retryAt = d.reconnectInMs === undefined ? undefined : Date.now() + d.reconnectInMs;
        update();
      }),
      plan.on('joined', update),
      plan.on('presence', update),
      plan.on('*', (event) => {
        const o = latest.current;
        const name = CALLBACKS[event.type];
        const callback = name ? (o[name] as ((e: PlanEvent) => void) | undefined) : undefined;
        callback?.(event);
        o.onEvent?.(event);
        invalidate(queryKeysFor(event));
        update();
      }),
      plan.on('resync', (fresh) => {
        latest.current.onResync?.(fresh);
        invalidate(planKeys(planId));
        update();
      }),
      plan.on('user-joined', (notice) => latest.current.onUserJoined?.(notice)),
      plan.on('user-left', (notice) => {
        for (const [key, t] of typing) if (t.entry.user.id === notice.user.id) dropTyping(key);
        latest.current.onUserLeft?.(notice);
      }),
      plan.on('typing', (notice: TypingNotice) => {
        const key = `${notice.taskId}\u0000${notice.user.id}`;
        dropTyping(key);
        if (notice.isTyping) {
          const timer = setTimeout(() => {
            typing.delete(key);
            update();
          }, typingMs());
          typing.set(key, { entry: { taskId: notice.taskId, user: notice.user, at: Date.now() }, timer });
        }
        update();
      }),
      plan.on('removed', update),
      // A failed join ends the subscription just after emitting its error.
      plan.on('error', () => queueMicrotask(update)),
    ];
    setHandles({ client, plan });
    update();

    return () => {
      live = false;
      for (const off of offs) off();
      for (const key of [...typing.keys()]) dropTyping(key);
      releasePlan(client, plan);
      if (!own) releaseClient(client);
    };
    // The connection options are read when the client is made; a new url makes a new one.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [own, url, planId, enabled]);

  // A new `token` (from the hook, else the provider) goes to the shared client: refreshed
  // in-band while connected, or a new start after `unauthorized`.
  const token = connection.token;
  const sentToken = useRef(token);
  const client = handles?.client;
  useEffect(() => {
    if (!client || own || token === undefined || token === sentToken.current) return;
    sentToken.current = token;
    client.setToken(token);
  }, [client, own, token]);

  const plan = handles?.plan;
  return {
    isConnected: state.status === 'connected' && state.planState === 'joined',
    status: state.status,
    planState: state.planState,
    participantCount: state.participants.length,
    participants: state.participants,
    connectionId: state.connectionId,
    lastSeq: state.lastSeq,
    typing: state.typing,
    retryAt: state.retryAt,
    sendTyping: (taskId, isTyping) => plan?.typing(taskId, isTyping),
    client: handles?.client,
    plan,
  };
}

/** `o` without its undefined fields. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
