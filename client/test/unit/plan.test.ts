import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  LivePlanClient,
  type Change,
  type Participant,
  type PlanEvent,
  type PlanSnapshot,
  type Status,
  type Task,
} from '../../src/index.js';
import { event, FakeWebSocket } from '../helpers/fake-ws.js';

type FetchArgs = [url: string, init: RequestInit];

function setup(fetchImpl?: (...a: FetchArgs) => Promise<Response>) {
  const fetch = vi.fn(fetchImpl ?? (() => Promise.reject(new Error('no REST here'))));
  const c = new LivePlanClient({
    url: 'http://liveplan.test',
    token: 't0',
    WebSocket: FakeWebSocket,
    fetch: fetch as unknown as typeof globalThis.fetch,
    backoff: { random: () => 0.5 },
  });
  const ws = FakeWebSocket.last();
  ws.connected('c1', 1_000_000);
  return { c, ws, fetch };
}

function joinedReply(ws: FakeWebSocket, planId: string, seq: number, participants: Participant[] = []) {
  const join = ws.sentOf('join-plan').filter((m) => m.planId === planId).at(-1);
  if (!join) throw new Error(`no join-plan for ${planId}`);
  ws.receive({ type: 'joined', requestId: join.requestId, planId, seq, participants });
  return join;
}

function json(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}) {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('joining', () => {
  it('joins at once when connected, and again with since = lastSeq after every reconnect', async () => {
    const { c, ws } = setup();
    const plan = c.plan('p1');
    expect(ws.sentOf('join-plan')).toEqual([{ type: 'join-plan', planId: 'p1', requestId: expect.any(String) }]);
    joinedReply(ws, 'p1', 4);
    expect(plan.lastSeq).toBe(4);
    expect(plan.state).toBe('joined');
    ws.receive(event('p1', 5));
    ws.serverClose(1006);
    expect(plan.state).toBe('idle');
    await vi.advanceTimersByTimeAsync(250);
    const next = FakeWebSocket.last();
    next.connected('c2');
    expect(next.sentOf('join-plan')).toEqual([
      { type: 'join-plan', planId: 'p1', since: 5, requestId: expect.any(String) },
    ]);
  });

  it('joins with the since it was given, and waits for a connection when there is none', () => {
    const c = new LivePlanClient({ url: 'http://x', token: 't', WebSocket: FakeWebSocket });
    const plan = c.plan('p1', { since: 12 });
    expect(plan.state).toBe('idle');
    FakeWebSocket.last().connected();
    expect(FakeWebSocket.last().sentOf('join-plan')[0]).toMatchObject({ planId: 'p1', since: 12 });
    expect(() => c.plan('p1')).toThrow(/already subscribed/);
  });

  it('asks again, leaving first, when a rate-limited message may have been its join', async () => {
    const { c, ws } = setup();
    const plan = c.plan('p1', { since: 3 });
    const other = c.plan('p2');
    joinedReply(ws, 'p2', 0);
    ws.receive({ type: 'error', code: 'rate_limited', message: 'too many messages; slow down', retryAfterMs: 100 });
    await vi.advanceTimersByTimeAsync(99);
    expect(ws.sentOf('join-plan')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sent.slice(-2)).toEqual([
      { type: 'leave-plan', planId: 'p1' },
      { type: 'join-plan', planId: 'p1', since: 3, requestId: expect.any(String) },
    ]);
    joinedReply(ws, 'p1', 5);
    expect(plan.state).toBe('joined');
    expect(other.state).toBe('joined');
    expect(ws.sentOf('join-plan').filter((m) => m.planId === 'p2')).toHaveLength(1);
  });

  it('ignores a `joined` that answers an older join', () => {
    const { c, ws } = setup();
    const plan = c.plan('p1', { since: 3 });
    ws.receive({ type: 'joined', requestId: 'someone-else', planId: 'p1', seq: 9, participants: [] });
    expect(plan.state).toBe('joining');
  });

  it('ends on not_found and forbidden; retries unavailable and rate_limited', async () => {
    const { c, ws } = setup();
    const gone = c.plan('gone');
    const errors: string[] = [];
    gone.on('error', (e) => errors.push(`${e.status} ${e.code}`));
    const j = ws.sentOf('join-plan')[0]!;
    ws.receive({ type: 'error', requestId: j.requestId, code: 'not_found', message: 'plan not found' });
    expect(gone.state).toBe('failed');
    expect(errors).toEqual(['404 not_found']);
    expect(() => c.plan('gone').leave()).not.toThrow(); // forgotten: may subscribe again

    const busy = c.plan('busy');
    const first = ws.sentOf('join-plan').at(-1)!;
    ws.receive({ type: 'error', requestId: first.requestId, code: 'unavailable', message: 'service unavailable, try again' });
    expect(busy.state).toBe('idle');
    await vi.advanceTimersByTimeAsync(250);
    const second = ws.sentOf('join-plan').at(-1)!;
    expect(second.planId).toBe('busy');
    expect(second.requestId).not.toBe(first.requestId);
    ws.receive({ type: 'error', requestId: second.requestId, code: 'rate_limited', message: 'slow down', retryAfterMs: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(ws.sentOf('join-plan').at(-1)!.requestId).not.toBe(second.requestId);
  });
});

describe('seq bookkeeping', () => {
  it('delivers each event once, in order, to onEvent, `*` and its type', () => {
    const { c, ws } = setup();
    const seen: number[] = [];
    const deleted: number[] = [];
    const plan = c.plan('p1', { onEvent: (e) => seen.push(e.seq) });
    plan.on('task-deleted', (e) => deleted.push(e.seq));
    joinedReply(ws, 'p1', 0);
    for (const seq of [1, 2, 2, 1, 3, 3]) ws.receive(event('p1', seq));
    expect(seen).toEqual([1, 2, 3]);
    expect(deleted).toEqual([1, 2, 3]);
    expect(plan.lastSeq).toBe(3);
    ws.receive(event('other-plan', 4)); // not subscribed: ignored
    expect(seen).toEqual([1, 2, 3]);
  });

  it('on a gap, leaves and joins again with since = lastSeq, ignoring frames until joined', () => {
    const { c, ws } = setup();
    const seen: number[] = [];
    const gaps: unknown[] = [];
    const plan = c.plan('p1', { onEvent: (e) => seen.push(e.seq) });
    plan.on('gap', (g) => gaps.push(g));
    joinedReply(ws, 'p1', 0);
    ws.receive(event('p1', 1));
    ws.receive(event('p1', 3)); // 2 is missing
    expect(gaps).toEqual([{ expected: 2, received: 3 }]);
    expect(ws.sent.slice(-2)).toEqual([
      { type: 'leave-plan', planId: 'p1' },
      { type: 'join-plan', planId: 'p1', since: 1, requestId: expect.any(String) },
    ]);
    ws.receive(event('p1', 4)); // of the old membership: dropped
    ws.receive({ type: 'left', planId: 'p1' });
    joinedReply(ws, 'p1', 4);
    for (const seq of [2, 3, 4, 5]) ws.receive(event('p1', seq));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('takes a gap made by its own REST call (X-Connection-Id) as no gap', async () => {
    const { c, ws, fetch } = setup(async () => json({ id: 't9', planId: 'p1' }, { status: 201, headers: { 'X-Plan-Seq': '3' } }));
    const seen: number[] = [];
    c.plan('p1', { onEvent: (e) => seen.push(e.seq) });
    joinedReply(ws, 'p1', 1);
    await c.api.createTask('p1', { title: 'mine' }); // seqs 2, 3: left out for this connection
    const [, init] = fetch.mock.calls[0]! as FetchArgs;
    expect(new Headers(init.headers).get('X-Connection-Id')).toBe('c1');
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer t0');
    ws.receive(event('p1', 4));
    expect(seen).toEqual([4]);
    expect(ws.sentOf('leave-plan')).toHaveLength(0);
  });

  it('holds events behind a gap while its own call is unanswered, then goes on', async () => {
    let answer!: (r: Response) => void;
    const { c, ws } = setup(() => new Promise((r) => (answer = r)));
    const seen: number[] = [];
    c.plan('p1', { onEvent: (e) => seen.push(e.seq) });
    joinedReply(ws, 'p1', 1);
    const call = c.api.updateTask('t1', { title: 'mine' }); // will be seq 2
    ws.receive(event('p1', 3)); // someone else's, ahead of the answer
    ws.receive(event('p1', 4));
    expect(seen).toEqual([]);
    answer(json({ id: 't1', planId: 'p1' }, { headers: { 'X-Plan-Seq': '2' } }));
    await call;
    expect(seen).toEqual([3, 4]);
    expect(ws.sentOf('leave-plan')).toHaveLength(0);
  });

  it('joins again when the held gap was not its own call', async () => {
    let answer!: (r: Response) => void;
    const { c, ws } = setup(() => new Promise((r) => (answer = r)));
    const seen: number[] = [];
    c.plan('p1', { onEvent: (e) => seen.push(e.seq) });
    joinedReply(ws, 'p1', 1);
    const call = c.api.updateTask('t1', { title: 'mine' });
    ws.receive(event('p1', 4));
    answer(json({ id: 't1', planId: 'p1' }, { headers: { 'X-Plan-Seq': '2' } })); // 3 is still missing
    await call;
    expect(seen).toEqual([]);
    expect(ws.sentOf('join-plan').at(-1)).toMatchObject({ planId: 'p1', since: 1 });
  });

  it('stops holding after 3 s if its own call is still unanswered', async () => {
    const { c, ws } = setup(() => new Promise(() => {}));
    c.plan('p1');
    joinedReply(ws, 'p1', 1);
    void c.api.deleteTask('t1');
    ws.receive(event('p1', 5));
    await vi.advanceTimersByTimeAsync(2999);
    expect(ws.sentOf('leave-plan')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sentOf('join-plan').at(-1)).toMatchObject({ planId: 'p1', since: 1 });
  });
});

describe('resync-required', () => {
  const snapshot: PlanSnapshot = {
    plan: { id: 'p1', title: 'P', description: null, ownerId: 'ada', createdAt: '', updatedAt: '', archivedAt: null },
    columns: [],
    tasks: [],
    members: [],
    sprints: [],
    seq: 40,
  };

  it('fetches the snapshot, emits resync with it and goes on after its seq', async () => {
    let answer!: (r: Response) => void;
    const { c, ws, fetch } = setup(() => new Promise((r) => (answer = r)));
    const seen: number[] = [];
    const resyncs: PlanSnapshot[] = [];
    const plan = c.plan('p1', { since: 2, onEvent: (e: PlanEvent) => seen.push(e.seq) });
    plan.on('resync', (s) => resyncs.push(s));
    const join = joinedReply(ws, 'p1', 38);
    ws.receive({ type: 'resync-required', requestId: join.requestId, planId: 'p1', seq: 38 });
    expect(String((fetch.mock.calls[0] as FetchArgs)[0])).toBe('http://liveplan.test/api/plans/p1');
    for (const seq of [39, 40, 41]) ws.receive(event('p1', seq)); // live, while the snapshot is on its way
    expect(seen).toEqual([]);
    answer(json(snapshot, { headers: { 'X-Plan-Seq': '40' } }));
    await vi.advanceTimersByTimeAsync(0);
    expect(resyncs).toEqual([snapshot]);
    expect(plan.lastSeq).toBe(41);
    expect(seen).toEqual([41]); // 39 and 40 are in the snapshot
    ws.receive(event('p1', 42));
    expect(seen).toEqual([41, 42]);
  });

  it('retries a failed snapshot with backoff, and ends on 404', async () => {
    const answers = [
      () => Promise.reject(new TypeError('fetch failed')),
      () => Promise.resolve(json({ error: { code: 'not_found', message: 'plan not found' } }, { status: 404 })),
    ];
    const { c, ws, fetch } = setup(() => answers.shift()!());
    const plan = c.plan('p1', { since: 2 });
    const errors: string[] = [];
    plan.on('error', (e) => errors.push(e.code));
    const join = joinedReply(ws, 'p1', 38);
    ws.receive({ type: 'resync-required', requestId: join.requestId, planId: 'p1', seq: 38 });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['network']);
    await vi.advanceTimersByTimeAsync(250);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(errors).toEqual(['network', 'not_found']);
    expect(plan.state).toBe('failed');
  });
});

describe('presence, typing, leaving', () => {
  const ada: Participant = { userId: 'ada', name: 'Ada', status: 'online', connections: 1 };

  it('keeps the participants from joined, user-joined, user-left and presence-changed', () => {
    const { c, ws } = setup();
    const lists: string[][] = [];
    const plan = c.plan('p1', { onPresence: (ps) => lists.push(ps.map((p) => `${p.userId}:${p.status}`)) });
    joinedReply(ws, 'p1', 0, [ada]);
    ws.receive({ type: 'user-joined', planId: 'p1', user: { id: 'bob', name: 'Bob' }, participantCount: 2 });
    ws.receive({ type: 'presence-changed', planId: 'p1', user: { id: 'bob', name: 'Bob' }, status: 'away' });
    ws.receive({ type: 'user-left', planId: 'p1', user: { id: 'bob', name: 'Bob' }, participantCount: 1 });
    expect(lists).toEqual([['ada:online'], ['ada:online', 'bob:online'], ['ada:online', 'bob:away'], ['ada:online']]);
    expect(plan.participants).toEqual([ada]);
  });

  it('sends typing only while joined, and passes the others’ typing on', () => {
    const { c, ws } = setup();
    const plan = c.plan('p1');
    plan.typing('t1', true);
    expect(ws.sentOf('typing')).toHaveLength(0);
    joinedReply(ws, 'p1', 0);
    const typing: boolean[] = [];
    plan.on('typing', (n) => typing.push(n.isTyping));
    plan.typing('t1', true);
    expect(ws.sentOf('typing')).toEqual([{ type: 'typing', planId: 'p1', taskId: 't1', isTyping: true }]);
    ws.receive({ type: 'typing', planId: 'p1', taskId: 't1', user: { id: 'bob', name: 'Bob' }, isTyping: false });
    expect(typing).toEqual([false]);
  });

  it('sends typing true at most every 3 s per task, and false only after a true', async () => {
    const { c, ws } = setup();
    const plan = c.plan('p1');
    joinedReply(ws, 'p1', 0);
    plan.typing('t1', false); // nothing to stop
    for (let i = 0; i < 10; i++) {
      plan.typing('t1', true); // every keystroke
      plan.typing('t2', true);
      await vi.advanceTimersByTimeAsync(400);
    }
    plan.typing('t1', false);
    plan.typing('t1', false);
    const sent = ws.sentOf('typing').map((m) => `${m.taskId}:${m.isTyping}`);
    expect(sent).toEqual(['t1:true', 't2:true', 't1:true', 't2:true', 't1:false']);
  });

  it('leave() sends leave-plan, ends, and is not rejoined', async () => {
    const { c, ws } = setup();
    const plan = c.plan('p1');
    joinedReply(ws, 'p1', 0);
    plan.leave();
    expect(ws.sent.at(-1)).toEqual({ type: 'leave-plan', planId: 'p1' });
    expect(plan.state).toBe('left');
    ws.serverClose(1001);
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.last().connected('c2');
    expect(FakeWebSocket.last().sentOf('join-plan')).toHaveLength(0);
  });

  it('ends on removed-from-plan and tells the client too', () => {
    const { c, ws } = setup();
    const plan = c.plan('p1');
    joinedReply(ws, 'p1', 0);
    const removed: string[] = [];
    plan.on('removed', (n) => removed.push(`plan:${n.planId}`));
    c.on('notification', (n) => removed.push(`client:${n.type}`));
    ws.receive({ type: 'removed-from-plan', planId: 'p1' });
    expect(plan.state).toBe('removed');
    expect(removed).toEqual(['plan:p1', 'client:removed-from-plan']);
  });
});

describe('listener types', () => {
  it('follow the event name', () => {
    const c = new LivePlanClient({ url: 'http://x', token: 't', WebSocket: FakeWebSocket });
    const plan = c.plan('p1');
    const anyEvent = (e: PlanEvent) => e.seq;
    plan.on('*', anyEvent);
    plan.on('task-updated', (e) => {
      expectTypeOf(e.data.changes.status).toEqualTypeOf<Change | undefined>();
      expectTypeOf(e.data.task).toEqualTypeOf<Task>();
    });
    plan.on('progress-updated', (e) => expectTypeOf(e.data.percent).toBeNumber());
    plan.on('resync', (s) => expectTypeOf(s).toEqualTypeOf<PlanSnapshot>());
    c.on('status', (s) => expectTypeOf(s).toEqualTypeOf<Status>());
    c.on('notification', (n) => {
      if (n.type === 'task-assigned') expectTypeOf(n.actor.name).toBeString();
    });
    // @ts-expect-error: no such event
    plan.on('task-exploded', () => {});
    c.close();
  });
});
