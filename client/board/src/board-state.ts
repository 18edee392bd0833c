/**
 * The board's state and the pure functions that change it: a snapshot, then each plan
 * event applied in seq order, then the answers of this page's own writes (whose events the
 * server does not send back to this connection).
 */
import type { Comment, Member, Plan, PlanEvent, PlanSnapshot, Progress, Role, Task, TaskStatus } from 'liveplan-client';

export interface BoardState {
  plan: Plan;
  tasks: Task[];
  members: Member[];
  /** The plan was deleted (by someone else, or by this page). */
  deleted: boolean;
  /** Comments of the tasks whose comments were loaded, by task id. */
  comments: Record<string, Comment[]>;
}

/** The columns, in order, until plans have their own (issue 12). */
export const COLUMNS: { status: TaskStatus; title: string }[] = [
  { status: 'todo', title: 'To do' },
  { status: 'in_progress', title: 'In progress' },
  { status: 'done', title: 'Done' },
];

export function fromSnapshot(snapshot: PlanSnapshot): BoardState {
  return { plan: snapshot.plan, tasks: sortTasks(snapshot.tasks), members: snapshot.members, deleted: false, comments: {} };
}

function sortTasks(tasks: Task[]): Task[] {
  return [...tasks].sort((a, b) => a.position - b.position || a.createdAt.localeCompare(b.createdAt));
}

/** The state after one plan event. */
export function applyEvent(state: BoardState, event: PlanEvent): BoardState {
  switch (event.type) {
    case 'task-created':
    case 'task-updated':
      return withTask(state, event.data.task);
    case 'task-deleted':
      return withoutTask(state, event.data.taskId);
    case 'task-reordered':
      return withOrder(state, event.data.taskIds);
    case 'plan-updated':
      return { ...state, plan: event.data.plan };
    case 'plan-deleted':
      return { ...state, deleted: true };
    case 'member-added':
    case 'member-updated':
      return withMember(state, event.data.member);
    case 'member-removed':
      return { ...state, members: state.members.filter((m) => m.userId !== event.data.member.userId) };
    case 'comment-added':
      return withComment(state, event.data.comment);
    case 'progress-updated':
      return state; // progress is counted from the tasks
    default:
      // Column events and task-moved: the board page learns them with issue 12's columns UI.
      return state;
  }
}

/** A task as created or changed (replaces the one with its id, unless that one is newer). */
export function withTask(state: BoardState, task: Task): BoardState {
  const old = state.tasks.find((t) => t.id === task.id);
  if (old && old.version > task.version) return state;
  const tasks = old ? state.tasks.map((t) => (t.id === task.id ? task : t)) : [...state.tasks, task];
  return { ...state, tasks: sortTasks(tasks) };
}

export function withoutTask(state: BoardState, taskId: string): BoardState {
  const comments = { ...state.comments };
  delete comments[taskId];
  return { ...state, tasks: state.tasks.filter((t) => t.id !== taskId), comments };
}

/** The plan's tasks in this order (positions 0, 1, …); ids it does not know are ignored. */
export function withOrder(state: BoardState, taskIds: string[]): BoardState {
  const at = new Map(taskIds.map((id, i) => [id, i]));
  const tasks = state.tasks.map((t) => {
    const position = at.get(t.id);
    return position === undefined || position === t.position ? t : { ...t, position };
  });
  return { ...state, tasks: sortTasks(tasks) };
}

export function withMember(state: BoardState, member: Member): BoardState {
  const others = state.members.filter((m) => m.userId !== member.userId);
  return { ...state, members: [...others, member] };
}

export function withComment(state: BoardState, comment: Comment): BoardState {
  const list = state.comments[comment.taskId];
  if (!list || list.some((c) => c.id === comment.id)) return state; // not loaded, or known
  return { ...state, comments: { ...state.comments, [comment.taskId]: [...list, comment] } };
}

export function withComments(state: BoardState, taskId: string, loaded: Comment[]): BoardState {
  // Comments that arrived live while the list was loading are kept.
  const live = state.comments[taskId] ?? [];
  const ids = new Set(loaded.map((c) => c.id));
  const merged = [...loaded, ...live.filter((c) => !ids.has(c.id))];
  return { ...state, comments: { ...state.comments, [taskId]: merged } };
}

/** The tasks of one column, in board order. */
export function columnTasks(tasks: Task[], status: TaskStatus): Task[] {
  return tasks.filter((t) => t.status === status);
}

export function progressOf(state: BoardState): Progress {
  const count = (s: TaskStatus) => state.tasks.filter((t) => t.status === s).length;
  const total = state.tasks.length;
  const done = count('done');
  return {
    planId: state.plan.id,
    total,
    done,
    percent: total === 0 ? 0 : Math.floor((done * 100) / total),
    byStatus: { todo: count('todo'), in_progress: count('in_progress'), done },
  };
}

export function roleOf(state: BoardState, userId: string | undefined): Role | undefined {
  return state.members.find((m) => m.userId === userId)?.role;
}

export function nameOf(state: BoardState, userId: string | null | undefined): string | undefined {
  return userId ? state.members.find((m) => m.userId === userId)?.name : undefined;
}

/**
 * Where a card lands: the plan's whole order after moving `taskId` to `index` among the
 * other cards of column `to`. Answers undefined when nothing would change.
 */
export function planMove(
  tasks: Task[],
  taskId: string,
  to: TaskStatus,
  index: number,
): { order: string[]; statusChanged: boolean } | undefined {
  const task = tasks.find((t) => t.id === taskId);
  if (!task) return undefined;
  const rest = tasks.filter((t) => t.id !== taskId);
  const column = rest.filter((t) => t.status === to);
  const clamped = Math.max(0, Math.min(index, column.length));
  // Insert before the column's card now at `clamped`, or after the column's last card, or
  // (empty column) where the column's place in the board order begins.
  let at: number;
  const before = column[clamped];
  if (before) at = rest.indexOf(before);
  else if (column.length > 0) at = rest.indexOf(column[column.length - 1]!) + 1;
  else at = rest.length;
  const order = [...rest.slice(0, at).map((t) => t.id), taskId, ...rest.slice(at).map((t) => t.id)];
  const statusChanged = task.status !== to;
  const inColumn = (ids: string[]) => ids.filter((id) => id === taskId || column.some((t) => t.id === id));
  const columnSame = inColumn(order).join() === inColumn(tasks.map((t) => t.id)).join();
  if (!statusChanged && columnSame) return undefined;
  const same = order.every((id, i) => tasks[i]?.id === id);
  return { order: same ? [] : order, statusChanged };
}
