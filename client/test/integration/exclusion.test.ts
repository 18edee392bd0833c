import { afterEach, describe, expect, it } from 'vitest';
import { LivePlanApi, LivePlanClient, type PlanEvent } from '../../src/index.js';
import { devToken, startServer, stopServer, waitFor, type Server } from '../helpers/server.js';
import { tampered } from '../helpers/ws.js';

let server: Server | undefined;
const clients: LivePlanClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await stopServer(server);
});

describe('X-Connection-Id', () => {
  it("leaves the caller's own events out of its connection only, and no gap follows", async () => {
    server = await startServer();
    const url = server.url;
    const adaToken = await devToken(url, 'ada', 'Ada');
    const bobApi = new LivePlanApi({ url, token: await devToken(url, 'bob', 'Bob') });

    // Ada's two tabs
    const wire = tampered();
    const tab1 = new LivePlanClient({ url, token: adaToken, WebSocket: wire.WebSocket });
    const tab2 = new LivePlanClient({ url, token: adaToken, WebSocket: tampered().WebSocket });
    clients.push(tab1, tab2);
    await waitFor('both tabs connected', () => tab1.status === 'connected' && tab2.status === 'connected');
    const plan = await tab1.api.createPlan({ title: 'Mine' }); // no event
    await tab1.api.setMember(plan.id, 'bob', { role: 'editor', name: 'Bob' }); // seq 1
    const seen1: PlanEvent[] = [];
    const seen2: PlanEvent[] = [];
    const gaps: unknown[] = [];
    const sub1 = tab1.plan(plan.id, { since: 0, onEvent: (e) => seen1.push(e) });
    const sub2 = tab2.plan(plan.id, { since: 0, onEvent: (e) => seen2.push(e) });
    sub1.on('gap', (g) => gaps.push(g));
    await waitFor('both joined', () => sub1.lastSeq === 1 && sub2.lastSeq === 1);

    const own = await tab1.api.request('POST', `/api/plans/${plan.id}/tasks`, { title: 'by tab 1' }); // seqs 2, 3
    expect(own.seq).toBe(3);
    await tab1.api.updatePlan(plan.id, { title: 'Mine, renamed' }); // seq 4
    await bobApi.createTask(plan.id, { title: 'by Bob' }); // seqs 5, 6
    await waitFor('tab 2 at seq 6', () => sub2.lastSeq === 6);
    await waitFor('tab 1 at seq 6', () => sub1.lastSeq === 6);

    expect(seen2.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]); // the same user's other tab gets them
    expect(seen1.map((e) => e.seq)).toEqual([1, 5, 6]); // not its own
    expect(seen1.map((e) => e.actor.id)).toEqual(['ada', 'bob', 'bob']);
    expect(gaps).toEqual([]);
    expect(wire.sent.filter((m) => m.type === 'join-plan')).toHaveLength(1);

    // excludeSelf: false sends no X-Connection-Id
    await tab1.api.createTask(plan.id, { title: 'seen by tab 1' }, { excludeSelf: false }); // seqs 7, 8
    await waitFor('tab 1 at seq 8', () => sub1.lastSeq === 8);
    expect(seen1.map((e) => e.seq)).toEqual([1, 5, 6, 7, 8]);
  });
});
