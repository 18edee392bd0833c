import { afterEach, describe, expect, it } from 'vitest';
import { LivePlanApi, LivePlanClient, type PlanEvent } from '../../src/index.js';
import { devToken, range, startServer, stopServer, waitFor, type Server } from '../helpers/server.js';
import { tampered, type Tamper } from '../helpers/ws.js';

let server: Server | undefined;
const clients: LivePlanClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await stopServer(server);
});

/**
 * A plan with Ada (owner, writing over REST) and Bob watching through `tamper`, which is
 * told whether Bob's subscription is joined (frames that reach it while it joins again
 * are ignored by it anyway, so tampering with them tests nothing).
 */
async function watch(tamper: (...args: [...Parameters<Tamper>, joined: boolean]) => void) {
  server = await startServer();
  const url = server.url;
  const ada = new LivePlanApi({ url, token: await devToken(url, 'ada', 'Ada') });
  const plan = await ada.createPlan({ title: 'Tampered' });
  await ada.setMember(plan.id, 'bob', { role: 'viewer', name: 'Bob' }); // seq 1
  let joined = () => false;
  const wire = tampered((frame, deliver) => tamper(frame, deliver, joined()));
  const bob = new LivePlanClient({ url, token: await devToken(url, 'bob', 'Bob'), WebSocket: wire.WebSocket });
  clients.push(bob);
  const received: PlanEvent[] = [];
  const gaps: { expected: number; received: number }[] = [];
  const sub = bob.plan(plan.id, { since: 0, onEvent: (e) => received.push(e) });
  joined = () => sub.state === 'joined';
  sub.on('gap', (g) => gaps.push(g));
  await waitFor('bob to join', () => sub.state === 'joined');
  const joins = () => wire.sent.filter((m) => m.type === 'join-plan');
  return { ada, plan, sub, received, gaps, joins };
}

/** Ada writes `n` tasks (two events each), one by one. */
async function write(ada: LivePlanApi, planId: string, n: number): Promise<number> {
  let seq = 0;
  for (let i = 0; i < n; i++) seq = (await ada.request('POST', `/api/plans/${planId}/tasks`, { title: `t${i}` })).seq!;
  return seq;
}

describe('frames that arrive twice, late or never', () => {
  it('drops duplicates without joining again', async () => {
    // every plan event arrives twice, and some a third time
    const w = await watch((frame, deliver) => {
      deliver();
      if (frame.seq !== undefined) deliver();
      if (frame.seq !== undefined && frame.seq % 3 === 0) deliver();
    });
    const last = await write(w.ada, w.plan.id, 10);
    await waitFor(`seq ${last}`, () => w.sub.lastSeq === last);
    expect(w.received.map((e) => e.seq)).toEqual(range(1, last));
    expect(w.gaps).toEqual([]);
    expect(w.joins()).toHaveLength(1);
  });

  it('joins again with since when frames come out of order, and delivers each once in order', async () => {
    // seqs 5, 11 and 17 are held back until the next event has passed them (once each)
    const late = new Set([5, 11, 17]);
    let held: (() => void) | undefined;
    const w = await watch((frame, deliver, joined) => {
      if (joined && frame.seq !== undefined && late.delete(frame.seq)) {
        held = deliver;
        return;
      }
      deliver();
      held?.();
      held = undefined;
    });
    const last = await write(w.ada, w.plan.id, 12);
    await waitFor(`seq ${last}`, () => w.sub.lastSeq === last);
    expect(w.received.map((e) => e.seq)).toEqual(range(1, last));
    expect(w.gaps).toEqual([
      { expected: 5, received: 6 },
      { expected: 11, received: 12 },
      { expected: 17, received: 18 },
    ]);
    expect(w.joins().map((j) => j.since)).toEqual([0, 4, 10, 16]);
  });

  it('joins again with since when a frame is lost, and gets it from the replay', async () => {
    const lost = new Set([4, 9]);
    const w = await watch((frame, deliver, joined) => {
      if (joined && frame.seq !== undefined && lost.delete(frame.seq)) return;
      deliver();
    });
    const last = await write(w.ada, w.plan.id, 8);
    await waitFor(`seq ${last}`, () => w.sub.lastSeq === last);
    expect(w.received.map((e) => e.seq)).toEqual(range(1, last));
    expect(w.gaps.map((g) => g.expected)).toEqual([4, 9]);
    expect(w.joins().map((j) => j.since)).toEqual([0, 3, 8]);
  });
});
