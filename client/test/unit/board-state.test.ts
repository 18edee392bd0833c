import { describe, expect, it } from 'vitest';
import type { Column, PlanEvent, PlanSnapshot, Sprint, Task } from '../../src/index.js';
import {
  activeSprint,
  applyEvent,
  columnOrderAfter,
  columnTasks,
  fromSnapshot,
  isSamePlace,
  keyboardMove,
  landing,
  progressOf,
  sprintProgress,
  wipMessage,
  wipState,
  withColumn,
  withComments,
  withCompletion,
  withoutColumn,
  withTask,
  type BoardState,
} from '../../board/src/board-state.js';
import { BACKLOG, isFiltering, labelsOf, matches, NO_FILTER, UNASSIGNED } from '../../board/src/filters.js';

const col = (id: string, position: number, category: Column['category'] = 'todo', wipLimit: number | null = null): Column => ({
  id,
  planId: 'p',
  name: id.toUpperCase(),
  position,
  wipLimit,
  category,
});

const COLS = [col('todo', 0, 'todo'), col('doing', 1, 'in_progress'), col('done', 2, 'done')];
const CATEGORY: Record<string, Column['category']> = { todo: 'todo', doing: 'in_progress', review: 'in_progress', done: 'done' };
const categoryOf = (columnId: string) => CATEGORY[columnId] ?? 'todo';

const task = (id: string, columnId: string, position: number, version = 1, extra: Partial<Task> = {}): Task => ({
  id,
  planId: 'p',
  title: id,
  description: null,
  status: categoryOf(columnId),
  assigneeId: null,
  dueAt: null,
  position,
  version,
  createdBy: 'u',
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
  columnId,
  priority: 'medium',
  labels: [],
  sprintId: null,
  ...extra,
});

const sprint = (id: string, status: Sprint['status'] = 'planned', extra: Partial<Sprint> = {}): Sprint => ({
  id,
  planId: 'p',
  name: id.toUpperCase(),
  goal: null,
  status,
  startsAt: null,
  endsAt: null,
  startedAt: status === 'planned' ? null : '2026-12-01T00:00:00Z',
  completedAt: status === 'completed' ? '2026-12-02T00:00:00Z' : null,
  ...extra,
});

const snapshot = (tasks: Task[], columns = COLS, sprints: Sprint[] = []): PlanSnapshot => ({
  plan: { id: 'p', title: 'P', description: null, ownerId: 'u', createdAt: '', updatedAt: '', archivedAt: null },
  columns,
  tasks,
  members: [{ planId: 'p', userId: 'u', name: 'U', role: 'owner' }],
  sprints,
  seq: 3,
});

let seq = 3;
const event = <T extends PlanEvent['type']>(type: T, data: Extract<PlanEvent, { type: T }>['data']) =>
  ({ type, planId: 'p', seq: ++seq, data, actor: { id: 'v', name: 'V' }, timestamp: '' }) as PlanEvent;

/** The board as `{column: [task ids]}`, checking that every column's positions are 0..n-1. */
function board(s: BoardState): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of s.columns) {
    const list = columnTasks(s.tasks, c.id);
    expect(list.map((t) => t.position)).toEqual(list.map((_, i) => i));
    out[c.id] = list.map((t) => t.id);
  }
  expect(s.columns.map((c) => c.position)).toEqual(s.columns.map((_, i) => i));
  return out;
}

/** A `task-moved` as the server sends it, from the state before the move. */
function moved(s: BoardState, id: string, columnId: string, position: number): PlanEvent {
  const before = s.tasks.find((t) => t.id === id)!;
  const others = columnTasks(s.tasks, columnId).filter((t) => t.id !== id);
  const to = Math.min(position, others.length);
  const across = columnId !== before.columnId;
  const after = { ...before, columnId, position: to, status: categoryOf(columnId), version: before.version + (across ? 1 : 0) };
  return event('task-moved', { task: after, from: { columnId: before.columnId, position: before.position }, to: { columnId, position: to } });
}

describe('the board state', () => {
  it('sorts a snapshot by column and position, and counts progress by status', () => {
    const s = fromSnapshot(
      snapshot(
        [task('c', 'done', 0), task('b', 'todo', 1), task('a', 'todo', 0)],
        [col('done', 2, 'done'), col('todo', 0, 'todo'), col('doing', 1, 'in_progress')],
      ),
    );
    expect(s.columns.map((c) => c.id)).toEqual(['todo', 'doing', 'done']);
    expect(s.tasks.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect(board(s)).toEqual({ todo: ['a', 'b'], doing: [], done: ['c'] });
    expect(progressOf(s)).toEqual({ planId: 'p', total: 3, done: 1, percent: 33, byStatus: { todo: 2, in_progress: 0, done: 1 } });
  });

  it('task-created goes in at its position and the cards at or after it move down', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1)]));
    s = applyEvent(s, event('task-created', { task: task('n', 'todo', 1) }));
    expect(board(s).todo).toEqual(['a', 'n', 'b']);
    s = applyEvent(s, event('task-created', { task: task('z', 'todo', 3) }));
    expect(board(s).todo).toEqual(['a', 'n', 'b', 'z']);
  });

  it('task-updated keeps the card in place, or moves it where the task now is', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1), task('c', 'done', 0)]));
    s = applyEvent(s, event('task-updated', { task: task('a', 'todo', 0, 2, { title: 'A!' }), changes: { title: { from: 'a', to: 'A!' } } }));
    expect(board(s)).toEqual({ todo: ['a', 'b'], doing: [], done: ['c'] });
    expect(s.tasks[0]?.title).toBe('A!');
    // A status change: the server put it at the end of the first column of that category.
    s = applyEvent(s, event('task-updated', { task: task('a', 'done', 1, 3), changes: { status: { from: 'todo', to: 'done' } } }));
    expect(board(s)).toEqual({ todo: ['b'], doing: [], done: ['c', 'a'] });
    expect(progressOf(s).done).toBe(2);
  });

  it('task-moved takes the card out of its column and puts it in the other at its position', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1), task('c', 'todo', 2), task('d', 'doing', 0)]));
    s = applyEvent(s, moved(s, 'a', 'doing', 0));
    expect(board(s)).toEqual({ todo: ['b', 'c'], doing: ['a', 'd'], done: [] });
    expect(s.tasks.find((t) => t.id === 'a')).toMatchObject({ status: 'in_progress', version: 2 });
    // Within a column, down and up.
    s = applyEvent(s, moved(s, 'b', 'todo', 1));
    expect(board(s).todo).toEqual(['c', 'b']);
    s = applyEvent(s, moved(s, 'b', 'todo', 0));
    expect(board(s).todo).toEqual(['b', 'c']);
  });

  it('task-deleted closes the gap; task-reordered orders each column by the list', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1), task('c', 'todo', 2), task('d', 'done', 0), task('e', 'done', 1)]));
    s = applyEvent(s, event('task-deleted', { taskId: 'b' }));
    expect(board(s)).toEqual({ todo: ['a', 'c'], doing: [], done: ['d', 'e'] });
    s = applyEvent(s, event('task-reordered', { taskIds: ['e', 'c', 'd', 'a'] }));
    expect(board(s)).toEqual({ todo: ['c', 'a'], doing: [], done: ['e', 'd'] });
  });

  it('column-created inserts at its position, column-updated changes in place, columns-reordered orders by the list', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('d', 'done', 0)]));
    s = applyEvent(s, event('column-created', { column: col('review', 2, 'in_progress', 2) }));
    expect(s.columns.map((c) => c.id)).toEqual(['todo', 'doing', 'review', 'done']);
    expect(board(s).review).toEqual([]);
    s = applyEvent(s, event('column-updated', { column: { ...col('review', 2, 'in_progress', 3), name: 'Review' } }));
    expect(s.columns[2]).toMatchObject({ id: 'review', name: 'Review', wipLimit: 3, position: 2 });
    s = applyEvent(s, event('columns-reordered', { columnIds: ['done', 'review', 'todo', 'doing'] }));
    expect(s.columns.map((c) => c.id)).toEqual(['done', 'review', 'todo', 'doing']);
    // The board order follows the columns.
    expect(s.tasks.map((t) => t.id)).toEqual(['d', 'a']);
    board(s);
  });

  it('column-deleted removes the column after its tasks were moved by task-moved events', () => {
    let s = fromSnapshot(snapshot([task('a', 'doing', 0), task('b', 'doing', 1), task('c', 'done', 0)]));
    // The server moves each to the end of the target, first the first.
    s = applyEvent(s, moved(s, 'a', 'done', 99));
    s = applyEvent(s, moved(s, 'b', 'done', 99));
    s = applyEvent(s, event('column-deleted', { columnId: 'doing', movedTo: 'done' }));
    expect(board(s)).toEqual({ todo: [], done: ['c', 'a', 'b'] });
  });

  it('this page’s own column delete moves what is left as the server does', () => {
    const s = withoutColumn(fromSnapshot(snapshot([task('a', 'doing', 0), task('b', 'doing', 1), task('c', 'todo', 0)])), 'doing', 'todo');
    expect(board(s)).toEqual({ todo: ['c', 'a', 'b'], done: [] });
    expect(s.tasks.find((t) => t.id === 'b')).toMatchObject({ status: 'todo', version: 2, position: 2 });
  });

  it('a sequence of moves, creates and column changes ends at the expected board', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1), task('c', 'todo', 2), task('d', 'doing', 0), task('e', 'done', 0)]));
    const steps: ((s: BoardState) => PlanEvent)[] = [
      (s) => moved(s, 'c', 'todo', 0), // todo: c a b
      (s) => moved(s, 'a', 'doing', 1), // todo: c b; doing: d a
      (s) => moved(s, 'e', 'doing', 0), // done: -; doing: e d a
      () => event('task-created', { task: task('f', 'todo', 1) }), // todo: c f b
      (s) => moved(s, 'd', 'done', 5), // doing: e a; done: d
      (s) => moved(s, 'b', 'todo', 0), // todo: b c f
      () => event('column-created', { column: col('review', 1, 'in_progress') }),
      (s) => moved(s, 'f', 'review', 0), // todo: b c; review: f
      (s) => moved(s, 'a', 'review', 0), // doing: e; review: a f
      () => event('task-deleted', { taskId: 'c' }), // todo: b
      (s) => moved(s, 'e', 'todo', 1), // todo: b e; doing: -
      (s) => moved(s, 'f', 'review', 0), // review: f a
      () => event('columns-reordered', { columnIds: ['todo', 'doing', 'review', 'done'] }),
    ];
    for (const step of steps) s = applyEvent(s, step(s));
    expect(board(s)).toEqual({ todo: ['b', 'e'], doing: [], review: ['f', 'a'], done: ['d'] });
    expect(s.tasks.map((t) => `${t.id}:${t.columnId}:${t.position}:${t.status}`)).toEqual([
      'b:todo:0:todo',
      'e:todo:1:todo',
      'f:review:0:in_progress',
      'a:review:1:in_progress',
      'd:done:0:done',
    ]);
  });

  it('replaying random moves matches a board kept as plain lists', () => {
    let rand = 42;
    const next = (n: number) => ((rand = (rand * 1103515245 + 12345) % 2 ** 31), rand % n);
    const lists: Record<string, string[]> = { todo: [], doing: [], done: [] };
    const tasks: Task[] = [];
    for (let i = 0; i < 12; i++) {
      const c = COLS[i % 3]!.id;
      tasks.push(task(`t${i}`, c, lists[c]!.length));
      lists[c]!.push(`t${i}`);
    }
    let s = fromSnapshot(snapshot(tasks));
    for (let i = 0; i < 300; i++) {
      const id = `t${next(12)}`;
      const to = COLS[next(3)]!.id;
      const position = next(6);
      for (const l of Object.values(lists)) if (l.includes(id)) l.splice(l.indexOf(id), 1);
      lists[to]!.splice(Math.min(position, lists[to]!.length), 0, id);
      s = applyEvent(s, moved(s, id, to, position));
    }
    expect(board(s)).toEqual(lists);
  });

  it('keeps a newer version of a task over an older one', () => {
    let s = fromSnapshot(snapshot([task('a', 'done', 0, 3)]));
    s = withTask(s, task('a', 'todo', 0, 2));
    expect(s.tasks[0]?.status).toBe('done');
  });

  it('a guess and then the answer: the answer replaces the guess', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1), task('c', 'done', 0)]));
    s = withTask(s, { ...s.tasks[0]!, columnId: 'done', status: 'done', position: 0 }); // guess
    expect(board(s)).toEqual({ todo: ['b'], doing: [], done: ['a', 'c'] });
    s = withTask(s, task('a', 'done', 1, 2)); // the server put it after c
    expect(board(s)).toEqual({ todo: ['b'], doing: [], done: ['c', 'a'] });
  });

  it('merges loaded comments with those that arrived live, once each', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0)]));
    const c = (id: string) => ({ id, taskId: 'a', authorId: 'u', body: id, createdAt: '', updatedAt: null });
    s = withComments(s, 'a', [c('1')]);
    s = applyEvent(s, event('comment-added', { comment: c('2') }));
    s = applyEvent(s, event('comment-added', { comment: c('2') }));
    s = withComments(s, 'a', [c('1'), c('2')]);
    expect(s.comments.a?.map((x) => x.id)).toEqual(['1', '2']);
  });

  it('applies an edited or deleted comment, and an archived or restored plan', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0)]));
    const c = (id: string, body = id, updatedAt: string | null = null) => ({ id, taskId: 'a', authorId: 'u', body, createdAt: '', updatedAt });
    s = withComments(s, 'a', [c('1'), c('2')]);
    s = applyEvent(s, event('comment-updated', { comment: c('1', 'edited', '2026-12-01T00:00:01Z') }));
    s = applyEvent(s, event('comment-deleted', { commentId: '2', taskId: 'a' }));
    expect(s.comments.a?.map((x) => x.body)).toEqual(['edited']);
    const archived = { ...s.plan, archivedAt: '2026-12-01T00:00:02Z' };
    s = applyEvent(s, event('plan-archived', { plan: archived }));
    expect(s.plan.archivedAt).toBe('2026-12-01T00:00:02Z');
    s = applyEvent(s, event('plan-restored', { plan: { ...archived, archivedAt: null } }));
    expect(s.plan.archivedAt).toBeNull();
  });

  it('says when a column is at or over its WIP limit', () => {
    expect(wipState(col('x', 0), 5)).toBe('none');
    expect(wipState(col('x', 0, 'todo', 3), 2)).toBe('under');
    expect(wipState(col('x', 0, 'todo', 3), 3)).toBe('full');
    expect(wipState(col('x', 0, 'todo', 3), 4)).toBe('over');
    // The message names the column and its limit: the state's, else the server's.
    const cols = [{ ...col('doing', 0, 'in_progress', 2), name: 'Doing' }];
    expect(wipMessage(cols, 'doing', '', 'Ship', 'was put back')).toBe('“Doing” is at its WIP limit (2): “Ship” was put back.');
    const server = 'column "Review" is at its WIP limit of 1; an owner may send "force": true';
    expect(wipMessage([], 'review', server, 'Ship', 'was not added')).toBe('“Review” is at its WIP limit (1): “Ship” was not added.');
    // A renamed column keeps its place and its tasks.
    const s = withColumn(fromSnapshot(snapshot([task('a', 'doing', 0)])), { ...col('doing', 7, 'in_progress'), name: 'Busy' });
    expect(s.columns.map((c) => c.name)).toEqual(['TODO', 'Busy', 'DONE']);
    expect(board(s).doing).toEqual(['a']);
  });
});

describe('sprints', () => {
  it('come from the snapshot, in creation order', () => {
    const s = fromSnapshot(snapshot([], COLS, [sprint('s1', 'completed'), sprint('s2', 'active')]));
    expect(s.sprints.map((x) => x.id)).toEqual(['s1', 's2']);
    expect(activeSprint(s)?.id).toBe('s2');
  });

  it('sprint-created adds one last', () => {
    let s = fromSnapshot(snapshot([], COLS, [sprint('s1')]));
    s = applyEvent(s, event('sprint-created', { sprint: sprint('s2', 'planned', { goal: 'Beta' }) }));
    expect(s.sprints.map((x) => [x.id, x.status, x.goal])).toEqual([
      ['s1', 'planned', null],
      ['s2', 'planned', 'Beta'],
    ]);
    expect(activeSprint(s)).toBeUndefined();
  });

  it('sprint-updated changes it in place', () => {
    let s = fromSnapshot(snapshot([], COLS, [sprint('s1'), sprint('s2')]));
    s = applyEvent(s, event('sprint-updated', { sprint: sprint('s1', 'planned', { name: 'Renamed', goal: 'G' }) }));
    expect(s.sprints.map((x) => x.name)).toEqual(['Renamed', 'S2']);
    expect(s.sprints[0]?.goal).toBe('G');
  });

  it('sprint-started makes it the active one; an older stage never comes back', () => {
    let s = fromSnapshot(snapshot([], COLS, [sprint('s1')]));
    s = applyEvent(s, event('sprint-started', { sprint: sprint('s1', 'active') }));
    expect(activeSprint(s)?.id).toBe('s1');
    // A late "planned" version (an answer overtaken by the event) is ignored.
    expect(applyEvent(s, event('sprint-updated', { sprint: sprint('s1', 'planned') }))).toBe(s);
  });

  it('sprint-completed after its tasks’ task-updated: done ones stay, the others were carried over', () => {
    const tasks = [
      task('a', 'todo', 0, 1, { sprintId: 's1' }),
      task('b', 'done', 0, 1, { sprintId: 's1' }),
      task('c', 'todo', 1, 1, { sprintId: null }),
    ];
    let s = fromSnapshot(snapshot(tasks, COLS, [sprint('s1', 'active')]));
    expect(sprintProgress(s.tasks, 's1')).toEqual({ done: 1, total: 2 });
    s = applyEvent(s, event('task-updated', { task: { ...tasks[0]!, version: 2, sprintId: null }, changes: { sprintId: { from: 's1', to: null } } }));
    s = applyEvent(s, event('sprint-completed', { sprint: sprint('s1', 'completed'), done: 1, carriedOver: 1 }));
    expect(activeSprint(s)).toBeUndefined();
    expect(s.sprints[0]?.status).toBe('completed');
    expect(s.tasks.map((t) => [t.id, t.sprintId])).toEqual([
      ['a', null],
      ['c', null],
      ['b', 's1'],
    ]);
    expect(board(s)).toEqual({ todo: ['a', 'c'], doing: [], done: ['b'] });
    expect(sprintProgress(s.tasks, 's1')).toEqual({ done: 1, total: 1 });
  });

  it('this page’s own completion carries the unfinished tasks itself, one version later', () => {
    const tasks = [task('a', 'todo', 0, 3, { sprintId: 's1' }), task('b', 'done', 0, 1, { sprintId: 's1' }), task('c', 'todo', 1, 1)];
    const s = withCompletion(
      fromSnapshot(snapshot(tasks, COLS, [sprint('s1', 'active'), sprint('s2')])),
      { sprint: sprint('s1', 'completed'), done: 1, carriedOver: 1 },
      's2',
    );
    expect(s.tasks.map((t) => [t.id, t.sprintId, t.version])).toEqual([
      ['a', 's2', 4],
      ['c', null, 1],
      ['b', 's1', 1],
    ]);
    expect(s.sprints.map((x) => x.status)).toEqual(['completed', 'planned']);
    expect(board(s)).toEqual({ todo: ['a', 'c'], doing: [], done: ['b'] });
  });
});

describe('where a move lands', () => {
  const s = fromSnapshot(snapshot([task('a', 'todo', 0), task('b', 'todo', 1), task('c', 'todo', 2), task('d', 'done', 0)]));

  it('a drop before, after or at the end of the cards the user sees is a position among the others', () => {
    expect(landing(s.tasks, 'd', 'todo', { before: 'a' })).toBe(0);
    expect(landing(s.tasks, 'd', 'todo', { after: 'c' })).toBe(3);
    expect(landing(s.tasks, 'd', 'todo', 'end')).toBe(3);
    // Within its own column, the card itself does not count.
    expect(landing(s.tasks, 'a', 'todo', { before: 'c' })).toBe(1);
    expect(landing(s.tasks, 'c', 'todo', { before: 'a' })).toBe(0);
    // In a filtered view where only a and c show, "after a" is before the hidden b.
    expect(landing(s.tasks, 'd', 'todo', { after: 'a' })).toBe(1);
  });

  it('knows a move to where the card already is', () => {
    const a = s.tasks[0]!;
    expect(isSamePlace(s.tasks, a, 'todo', 0)).toBe(true);
    expect(isSamePlace(s.tasks, s.tasks[2]!, 'todo', 99)).toBe(true);
    expect(isSamePlace(s.tasks, a, 'todo', 1)).toBe(false);
    expect(isSamePlace(s.tasks, a, 'done', 0)).toBe(false);
  });

  it('Alt + arrows: to the end of the next column, or past the next visible card', () => {
    expect(keyboardMove(s.columns, s.tasks, 'a', 'ArrowRight')).toEqual({ columnId: 'doing', position: 0 });
    expect(keyboardMove(s.columns, s.tasks, 'd', 'ArrowLeft')).toEqual({ columnId: 'doing', position: 0 });
    expect(keyboardMove(s.columns, s.tasks, 'a', 'ArrowLeft')).toBeUndefined();
    expect(keyboardMove(s.columns, s.tasks, 'd', 'ArrowRight')).toBeUndefined();
    expect(keyboardMove(s.columns, s.tasks, 'a', 'ArrowDown')).toEqual({ columnId: 'todo', position: 1 });
    expect(keyboardMove(s.columns, s.tasks, 'c', 'ArrowUp')).toEqual({ columnId: 'todo', position: 1 });
    expect(keyboardMove(s.columns, s.tasks, 'a', 'ArrowUp')).toBeUndefined();
    // b hidden: a goes down past c, and c up past a.
    const visible = (t: Task) => t.id !== 'b';
    expect(keyboardMove(s.columns, s.tasks, 'a', 'ArrowDown', visible)).toEqual({ columnId: 'todo', position: 2 });
    expect(keyboardMove(s.columns, s.tasks, 'c', 'ArrowUp', visible)).toEqual({ columnId: 'todo', position: 0 });
  });

  it('a column moved to an index', () => {
    expect(columnOrderAfter(s.columns, 'done', 0)).toEqual(['done', 'todo', 'doing']);
    expect(columnOrderAfter(s.columns, 'todo', 1)).toEqual(['doing', 'todo', 'done']);
    expect(columnOrderAfter(s.columns, 'todo', 0)).toBeUndefined();
    expect(columnOrderAfter(s.columns, 'nope', 0)).toBeUndefined();
  });
});

describe('the filter bar', () => {
  const t = task('a', 'todo', 0, 1, { title: 'Write the docs', description: 'README and Protocol', labels: ['docs', 'v2'], priority: 'high', assigneeId: 'bob' });

  it('matches text in the title or description, a label, a priority, an assignee', () => {
    expect(matches(t, NO_FILTER)).toBe(true);
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(matches(t, { ...NO_FILTER, text: 'protocol write' })).toBe(true);
    expect(matches(t, { ...NO_FILTER, text: 'tests' })).toBe(false);
    expect(matches(t, { ...NO_FILTER, label: 'v2' })).toBe(true);
    expect(matches(t, { ...NO_FILTER, label: 'bug' })).toBe(false);
    expect(matches(t, { ...NO_FILTER, priority: 'high' })).toBe(true);
    expect(matches(t, { ...NO_FILTER, priority: 'low' })).toBe(false);
    expect(matches(t, { ...NO_FILTER, assignee: 'bob' })).toBe(true);
    expect(matches(t, { ...NO_FILTER, assignee: UNASSIGNED })).toBe(false);
    expect(matches({ ...t, assigneeId: null }, { ...NO_FILTER, assignee: UNASSIGNED })).toBe(true);
    expect(isFiltering({ ...NO_FILTER, label: 'v2' })).toBe(true);
    expect(labelsOf([t, task('b', 'todo', 1, 1, { labels: ['bug', 'docs'] })])).toEqual(['bug', 'docs', 'v2']);
  });

  it('matches a sprint, or the backlog (tasks of no sprint)', () => {
    const inS1 = { ...t, sprintId: 's1' };
    expect(isFiltering({ ...NO_FILTER, sprint: 's1' })).toBe(true);
    expect(matches(inS1, { ...NO_FILTER, sprint: 's1' })).toBe(true);
    expect(matches(inS1, { ...NO_FILTER, sprint: 's2' })).toBe(false);
    expect(matches(inS1, { ...NO_FILTER, sprint: BACKLOG })).toBe(false);
    expect(matches(t, { ...NO_FILTER, sprint: BACKLOG })).toBe(true);
    expect(matches(t, { ...NO_FILTER, sprint: 's1' })).toBe(false);
    expect(matches(inS1, NO_FILTER)).toBe(true);
  });
});
