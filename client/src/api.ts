import { LivePlanError, STATUS_CODES } from './errors.js';
import type {
  Column,
  ColumnPatch,
  Comment,
  EventPage,
  Health,
  Member,
  NewColumn,
  NewPlan,
  NewSprint,
  NewTask,
  Plan,
  PlanPatch,
  PlanSnapshot,
  Presence,
  Progress,
  Role,
  Sprint,
  SprintCompletion,
  SprintPatch,
  Task,
  TaskFilter,
  TaskMove,
  TaskPage,
  TaskPatch,
  UserRef,
} from './types.js';

/** How {@link LivePlanApi} reaches the server and authenticates. */
export interface ApiOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The bearer token (or a function answering the current one). */
  token?: string | (() => string | undefined);
  /** Called once on a 401 for a fresh token; the call is then repeated with it. */
  renewToken?: () => Promise<string | undefined>;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The WebSocket connection to name in `X-Connection-Id` (its events are left out). */
  connectionId?: () => string | undefined;
  /** Told about each call that sent `X-Connection-Id`: when it starts and how it ended. */
  onWrite?: (write: OwnWrite) => void;
}

/** A call sent with `X-Connection-Id`: that connection will not receive its events. */
export interface OwnWrite {
  connectionId: string;
  /** `start` when sent; `end` when answered (or failed). */
  phase: 'start' | 'end';
  /** The plan, when the path or the answer names it. */
  planId?: string;
  /** `X-Plan-Seq`: the seq of the call's last event, when it stored any. */
  seq?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Send `X-Connection-Id`, so this client's connection skips the call's events (default true). */
  excludeSelf?: boolean;
  headers?: Record<string, string>;
}

/** A whole answer: the body, the status and `X-Plan-Seq`. */
export interface ApiResponse<T> {
  data: T;
  status: number;
  /** `X-Plan-Seq`: the seq of the last event the call stored (or the snapshot's seq). */
  seq?: number;
  headers: Headers;
}


const enc = encodeURIComponent;

/** What an answer's body may hold: an error, a 409's task, a resource's plan. */
type Answer =
  | { error?: { code?: string; message?: string }; current?: Task; planId?: unknown }
  | undefined;

/** `ifMatch` as an `If-Match` header. */
const ifMatched = ({ ifMatch, ...o }: RequestOptions & { ifMatch?: number }): RequestOptions =>
  ifMatch === undefined ? o : { ...o, headers: { ...o.headers, 'If-Match': `"${ifMatch}"` } };

/**
 * A query string of the fields of `q` that are set (`?a=1&b=x`), or `''`. The JSON round
 * trip drops the `undefined` fields; `URLSearchParams` writes the others as strings.
 */
const search = (q: object): string => {
  const s = new URLSearchParams(JSON.parse(JSON.stringify(q)) as Record<string, string>).toString();
  return s && `?${s}`;
};

/**
 * Typed helpers for every route of the contract (§2). Each sends `Authorization` and,
 * while the client is connected, `X-Connection-Id`; each answers the body, or throws a
 * {@link LivePlanError}.
 */
export class LivePlanApi {
  private readonly o: ApiOptions;
  private readonly base: string;

  constructor(options: ApiOptions) {
    this.o = options;
    this.base = options.url.replace(/\/+$/, '');
  }

  /** Any call; answers the body with the status and `X-Plan-Seq`. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const o = this.o;
    const mutation = method !== 'GET' && method !== 'HEAD';
    const connectionId = mutation && options.excludeSelf !== false ? o.connectionId?.() : undefined;
    const planId = /^\/api\/plans\/([^/]+)/.exec(path)?.[1];
    const write = (phase: OwnWrite['phase'], extra?: Partial<OwnWrite>) => {
      if (connectionId)
        o.onWrite?.({
          connectionId,
          phase,
          ...(planId ? { planId: decodeURIComponent(planId) } : {}),
          ...extra,
        });
    };
    const send = async (token: string | undefined) => {
      const headers: Record<string, string> = { ...options.headers };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (connectionId) headers['X-Connection-Id'] = connectionId;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      try {
        return await (o.fetch ?? fetch)(this.base + path, {
          method,
          headers,
          body: JSON.stringify(body) ?? null, // undefined: no body
          signal: options.signal,
        });
      } catch (e) {
        if ((e as Error)?.name === 'AbortError') throw e; // the caller's own signal
        throw new LivePlanError(0, 'network', `${method} ${path}: ${String(e)}`, { cause: e });
      }
    };
    const token = typeof o.token === 'function' ? o.token() : o.token;
    write('start');
    let seq: number | undefined;
    let data: unknown;
    try {
      let res = await send(token);
      if (res.status === 401 && o.renewToken) {
        const fresh = await o.renewToken().catch(() => undefined);
        if (fresh && fresh !== token) res = await send(fresh);
      }
      const text = await res.text();
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        data = text; // not JSON (GET /metrics): the text itself
      }
      if (!res.ok) {
        const retryAfter = Number(res.headers.get('Retry-After') ?? NaN);
        throw new LivePlanError(
          res.status,
          (data as Answer)?.error?.code ?? STATUS_CODES[res.status] ?? 'internal',
          (data as Answer)?.error?.message ?? `${method} ${path}: HTTP ${res.status}`,
          { current: (data as Answer)?.current, retryAfter: retryAfter >= 0 ? retryAfter : undefined },
        );
      }
      const out: ApiResponse<T> = { data: data as T, status: res.status, headers: res.headers };
      const seqHeader = res.headers.get('X-Plan-Seq');
      if (seqHeader !== null) out.seq = seq = Number(seqHeader);
      return out;
    } finally {
      // A task route names no plan; a Task in the answer does.
      const answered = (data as Answer)?.planId;
      write(
        'end',
        seq === undefined ? {} : !planId && typeof answered == 'string' ? { seq, planId: answered } : { seq },
      );
    }
  }

  private call<T>(method: string, path: string, body?: unknown, o?: RequestOptions): Promise<T> {
    return this.request<T>(method, path, body, o).then((r) => r.data);
  }

  // ---- health and dev mode ----

  health(o?: RequestOptions): Promise<Health> {
    return this.call('GET', '/healthz', undefined, o);
  }
  ready(o?: RequestOptions): Promise<Health> {
    return this.call('GET', '/readyz', undefined, o);
  }
  metrics(o?: RequestOptions): Promise<string> {
    return this.call('GET', '/metrics', undefined, o);
  }
  /** Dev mode only: a token for any user (docs/protocol.md §1). */
  devToken(
    body: { userId?: string; name: string; email?: string },
    o?: RequestOptions,
  ): Promise<{ token: string; user: UserRef }> {
    return this.call('POST', '/api/dev/token', body, o);
  }

  // ---- plans ----

  /** The caller's plans; archived ones only with `archived: true` (then all of them). */
  listPlans({ archived, ...o }: RequestOptions & { archived?: boolean } = {}): Promise<Plan[]> {
    return this.call('GET', `/api/plans${search({ archived })}`, undefined, o);
  }
  createPlan(body: NewPlan, o?: RequestOptions): Promise<Plan> {
    return this.call('POST', '/api/plans', body, o);
  }
  /** The plan, its tasks and members, and the seq they are at (join with `since: seq`). */
  getPlan(planId: string, o?: RequestOptions): Promise<PlanSnapshot> {
    return this.call('GET', `/api/plans/${enc(planId)}`, undefined, o);
  }
  updatePlan(planId: string, body: PlanPatch, o?: RequestOptions): Promise<Plan> {
    return this.call('PATCH', `/api/plans/${enc(planId)}`, body, o);
  }
  deletePlan(planId: string, o?: RequestOptions): Promise<void> {
    return this.call('DELETE', `/api/plans/${enc(planId)}`, undefined, o);
  }
  /** Owners: the plan becomes read-only (every change but restore and delete: 409 `archived`). */
  archivePlan(planId: string, o?: RequestOptions): Promise<Plan> {
    return this.call('POST', `/api/plans/${enc(planId)}/archive`, undefined, o);
  }
  restorePlan(planId: string, o?: RequestOptions): Promise<Plan> {
    return this.call('POST', `/api/plans/${enc(planId)}/restore`, undefined, o);
  }

  // ---- members ----

  listMembers(planId: string, o?: RequestOptions): Promise<Member[]> {
    return this.call('GET', `/api/plans/${enc(planId)}/members`, undefined, o);
  }
  /** Adds a member or changes their role. */
  setMember(
    planId: string,
    userId: string,
    body: { role: Role; name?: string },
    o?: RequestOptions,
  ): Promise<Member> {
    return this.call('PUT', `/api/plans/${enc(planId)}/members/${enc(userId)}`, body, o);
  }
  removeMember(planId: string, userId: string, o?: RequestOptions): Promise<void> {
    return this.call('DELETE', `/api/plans/${enc(planId)}/members/${enc(userId)}`, undefined, o);
  }

  // ---- columns ----

  listColumns(planId: string, o?: RequestOptions): Promise<Column[]> {
    return this.call('GET', `/api/plans/${enc(planId)}/columns`, undefined, o);
  }
  createColumn(planId: string, body: NewColumn, o?: RequestOptions): Promise<Column> {
    return this.call('POST', `/api/plans/${enc(planId)}/columns`, body, o);
  }
  updateColumn(columnId: string, patch: ColumnPatch, o?: RequestOptions): Promise<Column> {
    return this.call('PATCH', `/api/columns/${enc(columnId)}`, patch, o);
  }
  /** A column with tasks needs `moveTo`: the column they go to (at its end). */
  deleteColumn(columnId: string, moveTo?: string, o?: RequestOptions): Promise<void> {
    return this.call('DELETE', `/api/columns/${enc(columnId)}${search({ moveTo })}`, undefined, o);
  }
  reorderColumns(planId: string, columnIds: string[], o?: RequestOptions): Promise<{ columnIds: string[] }> {
    return this.call('POST', `/api/plans/${enc(planId)}/columns/reorder`, { columnIds }, o);
  }

  // ---- sprints ----

  listSprints(planId: string, o?: RequestOptions): Promise<Sprint[]> {
    return this.call('GET', `/api/plans/${enc(planId)}/sprints`, undefined, o);
  }
  createSprint(planId: string, body: NewSprint, o?: RequestOptions): Promise<Sprint> {
    return this.call('POST', `/api/plans/${enc(planId)}/sprints`, body, o);
  }
  /** A completed sprint does not change (409 `conflict`). */
  updateSprint(sprintId: string, patch: SprintPatch, o?: RequestOptions): Promise<Sprint> {
    return this.call('PATCH', `/api/sprints/${enc(sprintId)}`, patch, o);
  }
  /** Planned → active; 409 `conflict` when it is not planned or another sprint of the plan is active. */
  startSprint(sprintId: string, o?: RequestOptions): Promise<Sprint> {
    return this.call('POST', `/api/sprints/${enc(sprintId)}/start`, undefined, o);
  }
  /**
   * Active → completed. Its unfinished tasks go to `carryOverTo` (another sprint of the
   * plan that is not completed) or, with `null`, to the backlog.
   */
  completeSprint(sprintId: string, carryOverTo: string | null, o?: RequestOptions): Promise<SprintCompletion> {
    return this.call('POST', `/api/sprints/${enc(sprintId)}/complete`, { carryOverTo }, o);
  }

  // ---- tasks ----

  listTasks(planId: string, o?: RequestOptions): Promise<Task[]> {
    return this.call('GET', `/api/plans/${enc(planId)}/tasks`, undefined, o);
  }
  /**
   * One page of the plan's tasks that pass `filter`, in board order. Ask again with
   * `cursor: page.nextCursor` until it is null (a page may be short before the last).
   */
  findTasks(planId: string, filter: TaskFilter = {}, o?: RequestOptions): Promise<TaskPage> {
    // Any parameter asks for a page (hence `limit`).
    return this.call('GET', `/api/plans/${enc(planId)}/tasks${search({ limit: 100, ...filter })}`, undefined, o);
  }
  createTask(planId: string, body: NewTask, o?: RequestOptions): Promise<Task> {
    return this.call('POST', `/api/plans/${enc(planId)}/tasks`, body, o);
  }
  /** `taskIds` must be every task of the plan once, in the new order. */
  reorderTasks(planId: string, taskIds: string[], o?: RequestOptions): Promise<{ taskIds: string[] }> {
    return this.call('POST', `/api/plans/${enc(planId)}/tasks/reorder`, { taskIds }, o);
  }
  getTask(taskId: string, o?: RequestOptions): Promise<Task> {
    return this.call('GET', `/api/tasks/${enc(taskId)}`, undefined, o);
  }
  /**
   * Changes a task. With `ifMatch` (sent as `If-Match`) or `patch.version` the write
   * happens only if the task is still at that version; otherwise a 409
   * {@link LivePlanError} carries the task as it is now in `current`.
   */
  updateTask(
    taskId: string,
    patch: TaskPatch,
    o: RequestOptions & { ifMatch?: number } = {},
  ): Promise<Task> {
    return this.call('PATCH', `/api/tasks/${enc(taskId)}`, patch, ifMatched(o));
  }
  /**
   * Moves a task to a column and a place in it, in one step and one `task-moved`. With
   * `ifMatch` (or `version`) only if the task is still at that version (else 409
   * `conflict` with `current`); a full column answers 409 `wip_limit`.
   */
  moveTask(taskId: string, move: TaskMove, o: RequestOptions & { ifMatch?: number } = {}): Promise<Task> {
    return this.call('POST', `/api/tasks/${enc(taskId)}/move`, move, ifMatched(o));
  }
  deleteTask(taskId: string, o?: RequestOptions): Promise<void> {
    return this.call('DELETE', `/api/tasks/${enc(taskId)}`, undefined, o);
  }

  // ---- progress, presence, events ----

  getProgress(planId: string, o?: RequestOptions): Promise<Progress> {
    return this.call('GET', `/api/plans/${enc(planId)}/progress`, undefined, o);
  }
  getPresence(planId: string, o?: RequestOptions): Promise<Presence> {
    return this.call('GET', `/api/plans/${enc(planId)}/presence`, undefined, o);
  }
  /** Stored events with seq > `since`, oldest first; 410 `gone` when they are no longer kept. */
  getEvents(
    planId: string,
    query: { since?: number; limit?: number } = {},
    o?: RequestOptions,
  ): Promise<EventPage> {
    return this.call('GET', `/api/plans/${enc(planId)}/events${search(query)}`, undefined, o);
  }

  // ---- comments ----

  addComment(taskId: string, body: string, o?: RequestOptions): Promise<Comment> {
    return this.call('POST', `/api/tasks/${enc(taskId)}/comments`, { body }, o);
  }
  listComments(taskId: string, o?: RequestOptions): Promise<Comment[]> {
    return this.call('GET', `/api/tasks/${enc(taskId)}/comments`, undefined, o);
  }
  /** Its author only. */
  updateComment(commentId: string, body: string, o?: RequestOptions): Promise<Comment> {
    return this.call('PATCH', `/api/comments/${enc(commentId)}`, { body }, o);
  }
  /** Its author, or an owner. */
  deleteComment(commentId: string, o?: RequestOptions): Promise<void> {
    return this.call('DELETE', `/api/comments/${enc(commentId)}`, undefined, o);
  }
}
