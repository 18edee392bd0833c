import { describe, expect, it } from 'vitest';
import type { PlanEvent, PlanSnapshot, Task } from '../../src/index.js';
import { applyEvent, columnTasks, fromSnapshot, planMove, progressOf, withComments, withOrder, withTask } from '../../board/src/board-state.js';

const task = (id: string, status: Task['status'], position: number, version = 1): Task => ({
  id,
  planId: 'p',
  title: id,
  description: null,
  status,
  assigneeId: null,
  dueAt: null,
  position,
  version,
  createdBy: 'u',
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
  columnId: `p:${status}`,
  priority: 'medium',
  labels: [],
  sprintId: null,
});

const snapshot = (tasks: Task[]): PlanSnapshot => ({
  plan: { id: 'p', title: 'P', description: null, ownerId: 'u', createdAt: '', updatedAt: '', archivedAt: null },
  columns: [],
  tasks,
  members: [{ planId: 'p', userId: 'u', name: 'U', role: 'owner' }],
  seq: 3,
});

const event = <T extends PlanEvent['type']>(type: T, data: Extract<PlanEvent, { type: T }>['data'], seq = 4) =>
  ({ type, planId: 'p', seq, data, actor: { id: 'v', name: 'V' }, timestamp: '' }) as PlanEvent;

const ids = (tasks: Task[]) => tasks.map((t) => t.id);

describe('the board state', () => {
  it('sorts a snapshot by position and splits it into columns', () => {
    const s = fromSnapshot(snapshot([task('b', 'todo', 1), task('a', 'todo', 0), task('c', 'done', 2)]));
    expect(ids(columnTasks(s.tasks, 'todo'))).toEqual(['a', 'b']);
    expect(ids(columnTasks(s.tasks, 'done'))).toEqual(['c']);
    expect(progressOf(s)).toEqual({ planId: 'p', total: 3, done: 1, percent: 33, byStatus: { todo: 2, in_progress: 0, done: 1 } });
  });

  it('applies created, updated, reordered and deleted events', () => {
    let s = fromSnapshot(snapshot([task('a', 'todo', 0)]));
    s = applyEvent(s, event('task-created', { task: task('b', 'todo', 1) }));
    s = applyEvent(s, event('task-updated', { task: task('a', 'done', 0, 2), changes: { status: { from: 'todo', to: 'done' } } }));
    expect(s.tasks.find((t) => t.id === 'a')?.status).toBe('done');
    s = applyEvent(s, event('task-reordered', { taskIds: ['b', 'a'] }));
    expect(ids(s.tasks)).toEqual(['b', 'a']);
    s = applyEvent(s, event('task-deleted', { taskId: 'b' }));
    expect(ids(s.tasks)).toEqual(['a']);
  });

  it('keeps a newer version of a task over an older one', () => {
    let s = fromSnapshot(snapshot([task('a', 'done', 0, 3)]));
    s = withTask(s, task('a', 'todo', 0, 2));
    expect(s.tasks[0]?.status).toBe('done');
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
});

describe('planning a move', () => {
  const tasks = [task('a', 'todo', 0), task('b', 'done', 1), task('c', 'todo', 2), task('d', 'done', 3)];

  it('moves within a column by reordering the whole plan', () => {
    expect(planMove(tasks, 'c', 'todo', 0)).toEqual({ order: ['c', 'a', 'b', 'd'], statusChanged: false });
  });

  it('moves to another column at an index among its cards', () => {
    expect(planMove(tasks, 'a', 'done', 1)).toEqual({ order: ['b', 'c', 'a', 'd'], statusChanged: true });
    expect(planMove(tasks, 'a', 'done', 99)).toEqual({ order: ['b', 'c', 'd', 'a'], statusChanged: true });
  });

  it('changes only the status when the order stays as it is', () => {
    expect(planMove(tasks, 'a', 'in_progress', 0)).toEqual({ order: ['b', 'c', 'd', 'a'], statusChanged: true });
    expect(planMove([task('a', 'todo', 0)], 'a', 'done', 0)).toEqual({ order: [], statusChanged: true });
  });

  it('answers nothing for a move to where the card already is, or for an unknown card', () => {
    expect(planMove(tasks, 'a', 'todo', 0)).toBeUndefined();
    expect(planMove(tasks, 'zz', 'todo', 0)).toBeUndefined();
  });

  it('is what withOrder then shows', () => {
    const s = withOrder(fromSnapshot(snapshot(tasks)), planMove(tasks, 'c', 'todo', 0)!.order);
    expect(ids(columnTasks(s.tasks, 'todo'))).toEqual(['c', 'a']);
  });
});
