/**
 * The board's state and the pure functions that change it: a snapshot, then each plan
 * event applied in seq order, then the answers of this page's own writes (whose events the
 * server does not send back to this connection).
 *
 * Places follow the server's rules (src/service/board.rs), so that replaying the events
 * keeps this board equal to the server's:
 * - a task in `task-created`, `task-updated` or `task-moved` is taken out of its old place
 *   (the tasks after it in its old column move up one) and put at its `position` in its
 *   `columnId` (the tasks at or after it there move down one);
 * - `task-deleted` takes it out; `task-reordered` gives each column's tasks the list's
 *   relative order;
 * - `column-created` inserts the column at its position, `column-updated` changes it in
 *   place, `column-deleted` removes it (its tasks were moved first, by `task-moved`
 *   events), `columns-reordered` orders the columns by the list.
 * Sprints are kept by id in creation order: `sprint-created`, `-updated`, `-started` and
 * `-completed` carry the whole sprint after the change (a completion's carried-over tasks
 * came before it, as `task-updated` events).
 * Every column's positions stay dense (0..n-1), as on the server.
 */
import type { Column, Comment, Member, Plan, PlanEvent, PlanSnapshot, Priority, Progress, Role, Sprint, SprintCompletion, Task, TaskStatus } from 'liveplan-client';

export interface BoardState {
  plan: Plan;
  /** The board's columns, in order (positions 0..n-1). */
  columns: Column[];
  /** Every task in board order: by column, then by position inside it. */
  tasks: Task[];
  members: Member[];
  /** The plan's sprints, in creation order. */
  sprints: Sprint[];
  /** The plan was deleted (by someone else, or by this page). */
  deleted: boolean;
  /** Comments of the tasks whose comments were loaded, by task id. */
  comments: Record<string, Comment[]>;
}

/** The priorities, most pressing first, as the page shows them. */
export const PRIORITIES: { priority: Priority; title: string }[] = [
  { priority: 'urgent', title: 'Urgent' },
  { priority: 'high', title: 'High' },
  { priority: 'medium', title: 'Medium' },
  { priority: 'low', title: 'Low' },
];

/** A column category's name, as the page shows it. */
export const CATEGORIES: { category: TaskStatus; title: string }[] = [
  { category: 'todo', title: 'To do' },
  { category: 'in_progress', title: 'In progress' },
  { category: 'done', title: 'Done' },
];

export function fromSnapshot(snapshot: PlanSnapshot): BoardState {
  const columns = renumberColumns([...snapshot.columns].sort((a, b) => a.position - b.position));
  const at = new Map(columns.map((c, i) => [c.id, i]));
  const tasks = [...snapshot.tasks].sort(
    (a, b) =>
      (at.get(a.columnId) ?? Infinity) - (at.get(b.columnId) ?? Infinity) ||
      a.position - b.position ||
      a.createdAt.localeCompare(b.createdAt) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return assemble({ plan: snapshot.plan, columns, tasks: [], members: snapshot.members, sprints: snapshot.sprints ?? [], deleted: false, comments: {} }, columns, listsOf(tasks));
}

// ---- places ----------------------------------------------------------------------------

/** Each column's tasks, in order (columns the state does not know keep their lists too). */
function listsOf(tasks: Task[]): Map<string, Task[]> {
  const lists = new Map<string, Task[]>();
  for (const t of tasks) {
    const list = lists.get(t.columnId);
    if (list) list.push(t);
    else lists.set(t.columnId, [t]);
  }
  return lists;
}

/**
 * The state with these columns and these lists: tasks in board order (a column the
 * state does not know goes last), each column's positions made dense.
 */
function assemble(state: BoardState, columns: Column[], lists: Map<string, Task[]>): BoardState {
  const order = [...columns.map((c) => c.id), ...[...lists.keys()].filter((id) => !columns.some((c) => c.id === id))];
  const tasks: Task[] = [];
  for (const id of order)
    (lists.get(id) ?? []).forEach((t, position) => tasks.push(t.position === position ? t : { ...t, position }));
  return { ...state, columns, tasks };
}

function renumberColumns(columns: Column[]): Column[] {
  return columns.map((c, position) => (c.position === position ? c : { ...c, position }));
}

/**
 * A task as created, changed or moved (an event, the answer of a write, or a guess while
 * a write is under way): out of its old place, in at its `position` (clamped) in its
 * column. A task the state holds in a newer version is kept as it is.
 */
export function withTask(state: BoardState, task: Task): BoardState {
  const old = state.tasks.find((t) => t.id === task.id);
  if (old && old.version > task.version) return state;
  const lists = listsOf(state.tasks);
  if (old) lists.set(old.columnId, lists.get(old.columnId)!.filter((t) => t.id !== task.id));
  const list = lists.get(task.columnId) ?? [];
  list.splice(Math.max(0, Math.min(task.position, list.length)), 0, task);
  lists.set(task.columnId, list);
  return assemble(state, state.columns, lists);
}

export function withoutTask(state: BoardState, taskId: string): BoardState {
  if (!state.tasks.some((t) => t.id === taskId)) return state;
  const comments = { ...state.comments };
  delete comments[taskId];
  return assemble({ ...state, comments }, state.columns, listsOf(state.tasks.filter((t) => t.id !== taskId)));
}

/**
 * `task-reordered`: each column's tasks take the relative order in which the list names
 * them (tasks it does not name stay after those it does, in their order).
 */
export function withOrder(state: BoardState, taskIds: string[]): BoardState {
  const at = new Map(taskIds.map((id, i) => [id, i]));
  const lists = listsOf(state.tasks);
  for (const [id, list] of lists)
    lists.set(id, [...list].sort((a, b) => (at.get(a.id) ?? Infinity) - (at.get(b.id) ?? Infinity)));
  return assemble(state, state.columns, lists);
}

// ---- columns ---------------------------------------------------------------------------

/**
 * A column as created (inserted at its position, clamped) or changed (changed in place:
 * only a reorder moves a column).
 */
export function withColumn(state: BoardState, column: Column): BoardState {
  const known = state.columns.some((c) => c.id === column.id);
  let columns: Column[];
  if (known) columns = state.columns.map((c) => (c.id === column.id ? { ...column, position: c.position } : c));
  else {
    columns = [...state.columns];
    columns.splice(Math.max(0, Math.min(column.position, columns.length)), 0, column);
  }
  return assemble(state, renumberColumns(columns), listsOf(state.tasks));
}

/**
 * `column-deleted`: the column goes. Its tasks were moved by `task-moved` events before
 * it; any still in it (this page's own delete, whose events it does not receive) go as
 * the server moves them: to the end of `movedTo`, in their order, one version later.
 */
export function withoutColumn(state: BoardState, columnId: string, movedTo: string | null): BoardState {
  if (!state.columns.some((c) => c.id === columnId)) return state;
  const columns = renumberColumns(state.columns.filter((c) => c.id !== columnId));
  const lists = listsOf(state.tasks);
  const left = lists.get(columnId) ?? [];
  lists.delete(columnId);
  const target = movedTo === null ? undefined : columns.find((c) => c.id === movedTo);
  if (target && left.length) {
    const list = lists.get(target.id) ?? [];
    for (const t of left) list.push({ ...t, columnId: target.id, status: target.category, version: t.version + 1 });
    lists.set(target.id, list);
  }
  return assemble(state, columns, lists);
}

/** `columns-reordered`: the columns in the list's order (any it does not name stay last). */
export function withColumnOrder(state: BoardState, columnIds: string[]): BoardState {
  const at = new Map(columnIds.map((id, i) => [id, i]));
  const columns = [...state.columns].sort((a, b) => (at.get(a.id) ?? Infinity) - (at.get(b.id) ?? Infinity));
  return assemble(state, renumberColumns(columns), listsOf(state.tasks));
}

// ---- events ----------------------------------------------------------------------------

/** The state after one plan event. */
export function applyEvent(state: BoardState, event: PlanEvent): BoardState {
  switch (event.type) {
    case 'task-created':
    case 'task-updated':
    case 'task-moved':
      return withTask(state, event.data.task);
    case 'task-deleted':
      return withoutTask(state, event.data.taskId);
    case 'task-reordered':
      return withOrder(state, event.data.taskIds);
    case 'column-created':
    case 'column-updated':
      return withColumn(state, event.data.column);
    case 'column-deleted':
      return withoutColumn(state, event.data.columnId, event.data.movedTo);
    case 'columns-reordered':
      return withColumnOrder(state, event.data.columnIds);
    case 'plan-updated':
    case 'plan-archived':
    case 'plan-restored':
      return { ...state, plan: event.data.plan };
    case 'plan-deleted':
      return { ...state, deleted: true };
    case 'member-added':
    case 'member-updated':
      return withMember(state, event.data.member);
    case 'member-removed':
      return { ...state, members: state.members.filter((m) => m.userId !== event.data.member.userId) };
    case 'comment-added':
    case 'comment-updated':
      return withComment(state, event.data.comment);
    case 'comment-deleted':
      return withoutComment(state, event.data.taskId, event.data.commentId);
    case 'sprint-created':
    case 'sprint-updated':
    case 'sprint-started':
    case 'sprint-completed':
      return withSprint(state, event.data.sprint);
    case 'progress-updated':
      return state; // progress is counted from the tasks
    default:
      return state; // a kind of event this page does not show (yet)
  }
}

// ---- sprints ----------------------------------------------------------------------------

const STAGE: Record<Sprint['status'], number> = { planned: 0, active: 1, completed: 2 };

/**
 * A sprint as created or changed: replaced in place, or added last (creation order). A
 * sprint never goes back (planned → active → completed): an older stage is ignored.
 */
export function withSprint(state: BoardState, sprint: Sprint): BoardState {
  const old = state.sprints.find((s) => s.id === sprint.id);
  if (old && STAGE[old.status] > STAGE[sprint.status]) return state;
  const sprints = old ? state.sprints.map((s) => (s.id === sprint.id ? sprint : s)) : [...state.sprints, sprint];
  return { ...state, sprints };
}

/**
 * This page's own completion (whose events it does not receive): the sprint as answered,
 * and its unfinished tasks moved to `carryOverTo` as the server moves them (`sprintId`
 * only, one version later; their places do not change).
 */
export function withCompletion(state: BoardState, completion: SprintCompletion, carryOverTo: string | null): BoardState {
  const id = completion.sprint.id;
  const tasks = state.tasks.map((t) =>
    t.sprintId === id && t.status !== 'done' ? { ...t, sprintId: carryOverTo, version: t.version + 1 } : t,
  );
  return withSprint({ ...state, tasks }, completion.sprint);
}

export function activeSprint(state: Pick<BoardState, 'sprints'>): Sprint | undefined {
  return state.sprints.find((s) => s.status === 'active');
}

/** A sprint's tasks, and how many of them are done. */
export function sprintProgress(tasks: Task[], sprintId: string): { done: number; total: number } {
  const mine = tasks.filter((t) => t.sprintId === sprintId);
  return { done: mine.filter((t) => t.status === 'done').length, total: mine.length };
}

export function withMember(state: BoardState, member: Member): BoardState {
  const others = state.members.filter((m) => m.userId !== member.userId);
  return { ...state, members: [...others, member] };
}

/** A comment as added or edited (comments of a task not loaded are not kept). */
export function withComment(state: BoardState, comment: Comment): BoardState {
  const list = state.comments[comment.taskId];
  if (!list) return state;
  const old = list.find((c) => c.id === comment.id);
  if (old && (old.updatedAt ?? '') >= (comment.updatedAt ?? '')) return state; // known
  const next = old ? list.map((c) => (c.id === comment.id ? comment : c)) : [...list, comment];
  return { ...state, comments: { ...state.comments, [comment.taskId]: next } };
}

export function withoutComment(state: BoardState, taskId: string, commentId: string): BoardState {
  const list = state.comments[taskId];
  if (!list?.some((c) => c.id === commentId)) return state;
  return { ...state, comments: { ...state.comments, [taskId]: list.filter((c) => c.id !== commentId) } };
}

export function withComments(state: BoardState, taskId: string, loaded: Comment[]): BoardState {
  // Comments that arrived live while the list was loading are kept.
  const live = state.comments[taskId] ?? [];
  const ids = new Set(loaded.map((c) => c.id));
  const merged = [...loaded, ...live.filter((c) => !ids.has(c.id))];
  return { ...state, comments: { ...state.comments, [taskId]: merged } };
}

// ---- reading it ------------------------------------------------------------------------

/** The tasks of one column, in order. */
export function columnTasks(tasks: Task[], columnId: string): Task[] {
  return tasks.filter((t) => t.columnId === columnId);
}

/** A column at or over its WIP limit takes no more tasks (except when an owner forces it). */
export function wipState(column: Column, count: number): 'none' | 'under' | 'full' | 'over' {
  if (column.wipLimit === null) return 'none';
  return count > column.wipLimit ? 'over' : count === column.wipLimit ? 'full' : 'under';
}

/**
 * What the page says when the server refused a card (409 `wip_limit`): the column and its
 * limit, from the state, else from the server's message (`… is at its WIP limit of 1; …`).
 */
export function wipMessage(columns: Column[], columnId: string, serverMessage: string, title: string, what: string): string {
  const column = columns.find((c) => c.id === columnId);
  const limit = column?.wipLimit ?? /WIP limit (?:of |\()(\d+)/.exec(serverMessage)?.[1] ?? '?';
  return `“${column?.name ?? /column "([^"]*)"/.exec(serverMessage)?.[1] ?? 'The column'}” is at its WIP limit (${limit}): “${title}” ${what}.`;
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

// ---- where a move lands ----------------------------------------------------------------

/** Where a dropped card goes, relative to the cards the user sees. */
export type Anchor = { before: string } | { after: string } | 'end';

/**
 * The position (what `moveTask` takes: the index among the column's other tasks) of a
 * card put at `anchor` in column `columnId`. The anchor names a card the user saw, so a
 * filtered view (cards hidden) still lands at the real place.
 */
export function landing(tasks: Task[], taskId: string, columnId: string, anchor: Anchor): number {
  const others = columnTasks(tasks, columnId).filter((t) => t.id !== taskId);
  if (anchor === 'end') return others.length;
  const i = others.findIndex((t) => t.id === ('before' in anchor ? anchor.before : anchor.after));
  if (i === -1) return others.length;
  return 'before' in anchor ? i : i + 1;
}

/** Whether a move to `position` in `columnId` would leave the task where it is. */
export function isSamePlace(tasks: Task[], task: Task, columnId: string, position: number): boolean {
  if (task.columnId !== columnId) return false;
  const last = columnTasks(tasks, columnId).length - 1;
  return Math.min(position, last) === task.position;
}

export type ArrowKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown';

/**
 * A keyboard move (Alt + arrow) of a card: left and right to the end of the next column,
 * up and down past the next card the user sees (`visible`) in its column. Undefined when
 * there is nowhere to go.
 */
export function keyboardMove(
  columns: Column[],
  tasks: Task[],
  taskId: string,
  key: ArrowKey,
  visible: (task: Task) => boolean = () => true,
): { columnId: string; position: number } | undefined {
  const task = tasks.find((t) => t.id === taskId);
  if (!task) return undefined;
  const at = columns.findIndex((c) => c.id === task.columnId);
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const next = columns[at + (key === 'ArrowLeft' ? -1 : 1)];
    if (at === -1 || !next) return undefined;
    return { columnId: next.id, position: columnTasks(tasks, next.id).length };
  }
  const list = columnTasks(tasks, task.columnId);
  const i = list.findIndex((t) => t.id === taskId);
  if (key === 'ArrowUp') {
    const prev = list.slice(0, i).reverse().find(visible);
    return prev ? { columnId: task.columnId, position: prev.position } : undefined;
  }
  const next = list.slice(i + 1).find(visible);
  return next ? { columnId: task.columnId, position: next.position } : undefined;
}

/** The columns' order after moving `columnId` to `index` (undefined: no change). */
export function columnOrderAfter(columns: Column[], columnId: string, index: number): string[] | undefined {
  const from = columns.findIndex((c) => c.id === columnId);
  if (from === -1) return undefined;
  const ids = columns.map((c) => c.id).filter((id) => id !== columnId);
  const to = Math.max(0, Math.min(index, ids.length));
  if (to === from) return undefined;
  ids.splice(to, 0, columnId);
  return ids;
}
