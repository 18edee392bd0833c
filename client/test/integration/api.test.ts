import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivePlanApi, LivePlanError, type PlanEvent } from '../../src/index.js';
import { devToken, startServer, stopServer, type Server } from '../helpers/server.js';

let server: Server;
let ada: LivePlanApi;
let bob: LivePlanApi;

beforeAll(async () => {
  server = await startServer();
  ada = new LivePlanApi({ url: server.url, token: await devToken(server.url, 'ada', 'Ada') });
  bob = new LivePlanApi({ url: server.url, token: await devToken(server.url, 'bob', 'Bob') });
});
afterAll(() => stopServer(server));

async function rejection(promise: Promise<unknown>): Promise<LivePlanError> {
  const e = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(LivePlanError);
  return e as LivePlanError;
}

describe('the typed REST helpers', () => {
  it('cover every route of the contract against the real server', async () => {
    expect(await ada.health()).toEqual({ status: 'ok' });
    expect(await ada.ready()).toEqual({ status: 'ok' });
    expect(await ada.metrics()).toContain('# TYPE');

    const plan = await ada.createPlan({ title: '  Launch  ', description: 'Q3' });
    expect(plan).toMatchObject({ title: 'Launch', description: 'Q3', ownerId: 'ada' });
    expect((await ada.listPlans()).map((p) => p.id)).toContain(plan.id);
    expect(await ada.updatePlan(plan.id, { title: 'Launch v2' })).toMatchObject({ title: 'Launch v2' });

    expect(await ada.setMember(plan.id, 'bob', { role: 'editor', name: 'Bob' })).toEqual({
      planId: plan.id,
      userId: 'bob',
      name: 'Bob',
      role: 'editor',
    });
    expect((await bob.listMembers(plan.id)).map((m) => [m.userId, m.role])).toEqual([
      ['ada', 'owner'],
      ['bob', 'editor'],
    ]);

    const a = await bob.createTask(plan.id, { title: 'Write', assigneeId: 'bob' });
    const b = await bob.createTask(plan.id, { title: 'Ship', status: 'in_progress' });
    expect(a).toMatchObject({ planId: plan.id, status: 'todo', version: 1, assigneeId: 'bob' });
    expect((await ada.getTask(a.id)).title).toBe('Write');
    expect(await ada.updateTask(a.id, { status: 'done' }, { ifMatch: 1 })).toMatchObject({
      status: 'done',
      version: 2,
    });
    expect(await ada.updateTask(a.id, { title: 'Write it', version: 2 })).toMatchObject({ version: 3 });
    expect(await ada.reorderTasks(plan.id, [b.id, a.id])).toEqual({ taskIds: [b.id, a.id] });
    expect((await ada.listTasks(plan.id)).map((t) => t.id)).toEqual([b.id, a.id]);
    expect(await ada.getProgress(plan.id)).toEqual({
      planId: plan.id,
      total: 2,
      done: 1,
      percent: 50,
      byStatus: { todo: 0, in_progress: 1, done: 1 },
    });
    expect(await ada.getPresence(plan.id)).toEqual({ planId: plan.id, participantCount: 0, participants: [] });

    const comment = await bob.addComment(a.id, 'Draft is up.');
    expect(comment).toMatchObject({ taskId: a.id, authorId: 'bob', body: 'Draft is up.' });
    expect(await ada.listComments(a.id)).toEqual([comment]);

    const snapshot = await ada.getPlan(plan.id);
    expect(snapshot.plan.title).toBe('Launch v2');
    expect(snapshot.tasks.map((t) => t.id)).toEqual([b.id, a.id]);
    expect(snapshot.members).toHaveLength(2);

    const page = await ada.getEvents(plan.id, { since: 0, limit: 1000 });
    expect(page.seq).toBe(snapshot.seq);
    expect(page.events.map((e: PlanEvent) => e.seq)).toEqual(
      Array.from({ length: snapshot.seq }, (_, i) => i + 1),
    );
    expect(page.events.map((e) => e.type)).toContain('comment-added');
    expect((await ada.getEvents(plan.id, { since: 2, limit: 1 })).events.map((e) => e.seq)).toEqual([3]);

    // request() answers the status and X-Plan-Seq too
    const created = await ada.request('POST', `/api/plans/${plan.id}/tasks`, { title: 'Third' });
    expect(created.status).toBe(201);
    expect(created.seq).toBe(snapshot.seq + 2); // task-created, progress-updated

    await ada.deleteTask(a.id);
    await ada.removeMember(plan.id, 'bob');
    await ada.deletePlan(plan.id);
    expect((await rejection(ada.getPlan(plan.id))).status).toBe(404);
  });

  it('throw LivePlanError with the status, the code and the message', async () => {
    const plan = await ada.createPlan({ title: 'Errors' });
    const notFound = await rejection(ada.getTask('no-such-task'));
    expect(notFound).toMatchObject({ status: 404, code: 'not_found', message: 'task not found' });
    // a plan the caller is not a member of is "not found" too
    expect(await rejection(bob.getPlan(plan.id))).toMatchObject({ status: 404, code: 'not_found' });

    const bad = await rejection(ada.createTask(plan.id, { title: '' }));
    expect(bad).toMatchObject({ status: 400, code: 'bad_request' });
    expect(bad.message).toMatch(/^title/);

    const stranger = new LivePlanApi({ url: server.url, token: 'not-a-jwt' });
    expect(await rejection(stranger.listPlans())).toMatchObject({ status: 401, code: 'unauthorized' });

    const unreachable = new LivePlanApi({ url: 'http://127.0.0.1:1', token: 'x' });
    expect(await rejection(unreachable.health())).toMatchObject({ status: 0, code: 'network' });

    // the caller's own abort is passed on as it is
    const aborted = await ada.listPlans({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(aborted).toMatchObject({ name: 'AbortError' });
  });

  it('find tasks by filter, a page at a time, while listTasks stays the plain array', async () => {
    const plan = await ada.createPlan({ title: 'Filters' });
    const titles: string[] = [];
    for (let i = 0; i < 7; i++) {
      const title = `T${i}`;
      await ada.createTask(plan.id, { title, labels: i % 2 ? ['odd'] : [], status: i < 4 ? 'todo' : 'done' });
      if (i % 2) titles.push(title);
    }
    expect(Array.isArray(await ada.listTasks(plan.id))).toBe(true);
    const found: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ada.findTasks(plan.id, { label: 'odd', limit: 2, cursor });
      found.push(...page.tasks.map((t) => t.title));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect([found, pages]).toEqual([titles, 2]);
    // No filter at all is still a page (the default limit); 0 of 500 is a 400 naming it.
    expect(await ada.findTasks(plan.id)).toMatchObject({ nextCursor: null });
    expect((await ada.findTasks(plan.id)).tasks).toHaveLength(7);
    const bad = await rejection(ada.findTasks(plan.id, { limit: 0, q: 'x' }));
    expect(bad).toMatchObject({ status: 400, code: 'bad_request' });
    expect(bad.message).toMatch(/^limit/);
  });

  it('carry the current task on a 409 conflict', async () => {
    const plan = await ada.createPlan({ title: 'Conflicts' });
    const task = await ada.createTask(plan.id, { title: 'Edit me' });
    const moved = await ada.updateTask(task.id, { status: 'in_progress' }, { ifMatch: 1 });
    const conflict = await rejection(ada.updateTask(task.id, { status: 'done' }, { ifMatch: 1 }));
    expect(conflict).toMatchObject({ status: 409, code: 'conflict' });
    expect(conflict.message).toContain('version');
    expect(conflict.current).toEqual(moved);
    // the body's version works the same
    const again = await rejection(ada.updateTask(task.id, { title: 'x', version: 1 }));
    expect(again.current?.version).toBe(2);
  });

  it('repeat a call refused with 401 once with a token from renewToken', async () => {
    const good = await devToken(server.url, 'ada', 'Ada');
    let asked = 0;
    const api = new LivePlanApi({
      url: server.url,
      token: 'expired-or-bad',
      renewToken: async () => {
        asked++;
        return good;
      },
    });
    expect(Array.isArray(await api.listPlans())).toBe(true);
    expect(asked).toBe(1);
  });
});
