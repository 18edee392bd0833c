/**
 * The wire types of the liveplan protocol (docs/protocol.md): REST shapes, the frames the
 * server sends, and the messages a client sends.
 *
 * The lists of type names ({@link PLAN_EVENT_TYPES}, {@link NOTICE_TYPES},
 * {@link PERSONAL_NOTICE_TYPES}, {@link REPLY_TYPES}) are checked by a test against
 * `wire-types.json`, which a test of the server writes from its own enums; the
 * `satisfies Record<…>` below make each list and its union type agree at compile time.
 */

// ---- REST shapes (contract §2) -------------------------------------------------------

export type TaskStatus = 'todo' | 'in_progress' | 'done';
export type Priority = 'low' | 'medium' | 'high' | 'urgent';
export type Role = 'viewer' | 'editor' | 'owner';
export type PresenceStatus = 'online' | 'away';

export interface UserRef {
  id: string;
  name: string;
}

export interface Plan {
  id: string;
  title: string;
  description: string | null;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  /** When it was archived (read-only until restored); null while it is not. */
  archivedAt: string | null;
}

export interface Task {
  id: string;
  planId: string;
  title: string;
  description: string | null;
  status: TaskStatus;
  assigneeId: string | null;
  dueAt: string | null;
  position: number;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Its column; `position` is its place inside it (0..n-1), `status` the column's category. */
  columnId: string;
  priority: Priority;
  labels: string[];
  sprintId: string | null;
}

/** A column of a plan's board; `category` is the status of the tasks in it. */
export interface Column {
  id: string;
  planId: string;
  name: string;
  position: number;
  wipLimit: number | null;
  category: TaskStatus;
}

export type SprintStatus = 'planned' | 'active' | 'completed';

/** A time box of a plan's tasks: `planned` → `active` → `completed`; at most one active per plan. */
export interface Sprint {
  id: string;
  planId: string;
  name: string;
  goal: string | null;
  status: SprintStatus;
  startsAt: string | null;
  endsAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

/** `sprint-completed`'s data and `completeSprint`'s answer: the done tasks stay, the others were carried over. */
export interface SprintCompletion {
  sprint: Sprint;
  done: number;
  carriedOver: number;
}

/** A task's place: `task-moved`'s `from` and `to`. */
export interface Place {
  columnId: string;
  position: number;
}

export interface Member {
  planId: string;
  userId: string;
  name: string;
  role: Role;
}

export interface Progress {
  planId: string;
  total: number;
  done: number;
  percent: number;
  byStatus: Record<TaskStatus, number>;
}

export interface Participant {
  userId: string;
  name: string;
  status: PresenceStatus;
  connections: number;
}

export interface Comment {
  id: string;
  taskId: string;
  authorId: string;
  body: string;
  createdAt: string;
  /** When its body was last edited; null until it is. */
  updatedAt: string | null;
}

/** `GET /api/plans/{planId}`: the plan's state and the seq it is at. */
export interface PlanSnapshot {
  plan: Plan;
  /** The board's columns, in order. */
  columns: Column[];
  /** In board order: by column, then position. */
  tasks: Task[];
  members: Member[];
  /** All the plan's sprints, in creation order. */
  sprints: Sprint[];
  seq: number;
}

export interface Presence {
  planId: string;
  participantCount: number;
  participants: Participant[];
}

export interface EventPage {
  events: PlanEvent[];
  seq: number;
}

/** What `findTasks` asks for (docs/protocol.md §6.1); the filters combine with AND. */
export interface TaskFilter {
  columnId?: string;
  assigneeId?: string;
  /** `none`: the backlog (tasks of no sprint). */
  sprintId?: string;
  /** Exactly, case included. */
  label?: string;
  priority?: Priority;
  /** The title or the description contains it, ignoring case. */
  q?: string;
  /** 1–500; default 100. */
  limit?: number;
  /** The `nextCursor` of the page before. */
  cursor?: string;
}

/** One page of the filtered task list, in board order. */
export interface TaskPage {
  /** At most `limit`; rarely fewer while more follow. */
  tasks: Task[];
  /** Pass it as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** The contract's error codes (§2): `error.code` of an error answer. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'too_large'
  | 'rate_limited'
  | 'internal'
  | 'unavailable'
  | 'wip_limit'
  | 'archived';

/**
 * `GET /healthz`, `GET /readyz`: `{"status":"ok"}`. A `/readyz` that is not ready answers
 * 503 `{"status":"unavailable","error":{…}}`, which `LivePlanApi.ready()` throws.
 */
export interface Health {
  status: 'ok' | 'unavailable';
  error?: { code: ErrorCode; message: string };
}

// ---- Plan events (stored, numbered by seq) --------------------------------------------

/** A field's change in `task-updated`. */
export interface Change<T = unknown> {
  from: T;
  to: T;
}

/** The `data` of each plan event type. */
export interface PlanEventData {
  'task-created': { task: Task };
  'task-updated': { task: Task; changes: Partial<Record<keyof Task, Change>> };
  'task-deleted': { taskId: string };
  'task-reordered': { taskIds: string[] };
  'progress-updated': Progress;
  'plan-updated': { plan: Plan };
  'plan-deleted': { planId: string };
  'member-added': { member: Member };
  'member-updated': { member: Member };
  'member-removed': { member: Member };
  'comment-added': { comment: Comment };
  'column-created': { column: Column };
  'column-updated': { column: Column };
  'column-deleted': { columnId: string; movedTo: string | null };
  'columns-reordered': { columnIds: string[] };
  'task-moved': { task: Task; from: Place; to: Place };
  'comment-updated': { comment: Comment };
  'comment-deleted': { commentId: string; taskId: string };
  'plan-archived': { plan: Plan };
  'plan-restored': { plan: Plan };
  'sprint-created': { sprint: Sprint };
  'sprint-updated': { sprint: Sprint };
  'sprint-started': { sprint: Sprint };
  /** After one `task-updated` per carried-over task. */
  'sprint-completed': SprintCompletion;
}

export type PlanEventType = keyof PlanEventData;

/** A stored plan event of type `T`, as sent live, replayed, and by `GET …/events`. */
export interface PlanEventOf<T extends PlanEventType> {
  type: T;
  planId: string;
  seq: number;
  data: PlanEventData[T];
  actor: UserRef;
  timestamp: string;
}

/** Any plan event; `switch (event.type)` narrows `data`. */
export type PlanEvent = { [T in PlanEventType]: PlanEventOf<T> }[PlanEventType];

const planEventTypes = {
  'task-created': 1,
  'task-updated': 1,
  'task-deleted': 1,
  'task-reordered': 1,
  'progress-updated': 1,
  'plan-updated': 1,
  'plan-deleted': 1,
  'member-added': 1,
  'member-updated': 1,
  'member-removed': 1,
  'comment-added': 1,
  'column-created': 1,
  'column-updated': 1,
  'column-deleted': 1,
  'columns-reordered': 1,
  'task-moved': 1,
  'comment-updated': 1,
  'comment-deleted': 1,
  'plan-archived': 1,
  'plan-restored': 1,
  'sprint-created': 1,
  'sprint-updated': 1,
  'sprint-started': 1,
  'sprint-completed': 1,
} satisfies Record<PlanEventType, 1>;

/** Every plan event type, in the server's order. */
export const PLAN_EVENT_TYPES = Object.keys(planEventTypes) as readonly PlanEventType[];

// ---- Room notices (not stored, no seq) ------------------------------------------------

export interface UserJoinedNotice {
  type: 'user-joined';
  planId: string;
  user: UserRef;
  participantCount: number;
}
export interface UserLeftNotice {
  type: 'user-left';
  planId: string;
  user: UserRef;
  participantCount: number;
}
export interface TypingNotice {
  type: 'typing';
  planId: string;
  taskId: string;
  user: UserRef;
  isTyping: boolean;
}
export interface PresenceChangedNotice {
  type: 'presence-changed';
  planId: string;
  user: UserRef;
  status: PresenceStatus;
}
export type Notice = UserJoinedNotice | UserLeftNotice | TypingNotice | PresenceChangedNotice;
export type NoticeType = Notice['type'];

const noticeTypes = {
  'user-joined': 1,
  'user-left': 1,
  typing: 1,
  'presence-changed': 1,
} satisfies Record<NoticeType, 1>;

export const NOTICE_TYPES = Object.keys(noticeTypes) as readonly NoticeType[];

// ---- Personal notices (to every connection of one user) -------------------------------

export interface RemovedFromPlanNotice {
  type: 'removed-from-plan';
  planId: string;
}
export interface TaskAssignedNotice {
  type: 'task-assigned';
  planId: string;
  task: Task;
  actor: UserRef;
}
export interface DueDateReminderNotice {
  type: 'due-date-reminder';
  planId: string;
  task: Task;
}
export type PersonalNotice = RemovedFromPlanNotice | TaskAssignedNotice | DueDateReminderNotice;
export type PersonalNoticeType = PersonalNotice['type'];

const personalNoticeTypes = {
  'removed-from-plan': 1,
  'task-assigned': 1,
  'due-date-reminder': 1,
} satisfies Record<PersonalNoticeType, 1>;

export const PERSONAL_NOTICE_TYPES = Object.keys(personalNoticeTypes) as readonly PersonalNoticeType[];

// ---- The session's replies to its own connection --------------------------------------

export interface ConnectedReply {
  type: 'connected';
  connectionId: string;
  user: UserRef;
  heartbeatMs: number;
  serverTime: string;
}
export interface JoinedReply {
  type: 'joined';
  requestId?: string;
  planId: string;
  seq: number;
  participants: Participant[];
}
export interface ResyncRequiredReply {
  type: 'resync-required';
  requestId?: string;
  planId: string;
  seq: number;
}
export interface LeftReply {
  type: 'left';
  requestId?: string;
  planId: string;
}
export interface PongReply {
  type: 'pong';
  requestId?: string;
  serverTime: string;
}
export interface TokenRefreshedReply {
  type: 'token-refreshed';
  requestId?: string;
  expiresAt: string;
}
export interface ErrorReply {
  type: 'error';
  requestId?: string;
  code: string;
  message: string;
  retryAfterMs?: number;
}
export type Reply =
  | ConnectedReply
  | JoinedReply
  | ResyncRequiredReply
  | LeftReply
  | PongReply
  | TokenRefreshedReply
  | ErrorReply;
export type ReplyType = Reply['type'];

const replyTypes = {
  connected: 1,
  joined: 1,
  'resync-required': 1,
  left: 1,
  pong: 1,
  'token-refreshed': 1,
  error: 1,
} satisfies Record<ReplyType, 1>;

export const REPLY_TYPES = Object.keys(replyTypes) as readonly ReplyType[];

/** Every frame the server sends. */
export type ServerFrame = PlanEvent | Notice | PersonalNotice | Reply;

// ---- Client → server ------------------------------------------------------------------

export type ClientMessage = { requestId?: string } & (
  | { type: 'join-plan'; planId: string; since?: number }
  | { type: 'leave-plan'; planId: string }
  | { type: 'ping' }
  | { type: 'typing'; planId: string; taskId: string; isTyping: boolean }
  | { type: 'presence'; status: PresenceStatus }
  | { type: 'refresh-token'; token: string }
);

// ---- REST request bodies --------------------------------------------------------------

export interface NewPlan {
  title: string;
  description?: string | null;
}
export interface PlanPatch {
  title?: string;
  description?: string | null;
}
export interface NewTask {
  title: string;
  description?: string | null;
  status?: TaskStatus;
  assigneeId?: string | null;
  dueAt?: string | null;
  /** Default: the first column of `status` (default `todo`); the task goes to its end. */
  columnId?: string | null;
  priority?: Priority | null;
  labels?: string[] | null;
  /** Into a column at its WIP limit (owners only). */
  force?: boolean;
  /** A sprint of the plan that is not completed; absent or null: the backlog. */
  sprintId?: string | null;
}
export interface TaskPatch {
  title?: string;
  description?: string | null;
  status?: TaskStatus;
  assigneeId?: string | null;
  dueAt?: string | null;
  /** Write only if the task is still at this version (else 409 with `current`). */
  version?: number;
  priority?: Priority;
  /** The whole new list. */
  labels?: string[];
  /** A sprint of the plan that is not completed; null: the backlog. */
  sprintId?: string | null;
}

/** `POST /api/tasks/{taskId}/move`. */
export interface TaskMove {
  columnId: string;
  /** Beyond the column's end: at its end. */
  position: number;
  /** Move only if the task is still at this version (else 409 with `current`). */
  version?: number;
  /** Into a column at its WIP limit (owners only; else 409 `wip_limit`). */
  force?: boolean;
}

export interface NewColumn {
  name: string;
  category: TaskStatus;
  position?: number | null;
  /** Owners only. */
  wipLimit?: number | null;
}
export interface ColumnPatch {
  name?: string;
  /** null: no limit. Owners only. */
  wipLimit?: number | null;
  /** Only while the column holds no task. */
  category?: TaskStatus;
}

export interface NewSprint {
  name: string;
  goal?: string | null;
  /** RFC 3339 (any offset). */
  startsAt?: string | null;
  /** RFC 3339; not before `startsAt`. */
  endsAt?: string | null;
}
/** Only a planned or active sprint changes (a completed one: 409 `conflict`). */
export interface SprintPatch {
  name?: string;
  /** null clears it (also `startsAt`, `endsAt`). */
  goal?: string | null;
  startsAt?: string | null;
  endsAt?: string | null;
}
