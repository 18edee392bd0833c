import { afterEach, describe, expect, it } from 'vitest';
import { LivePlanApi, LivePlanClient, LivePlanError, type PlanEvent, type Status } from '../../src/index.js';
import { devToken, range, startServer, stopServer, waitFor, type Server } from '../helpers/server.js';
import { WebSocket } from '../helpers/ws.js';

let server: Server | undefined;
const clients: LivePlanClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await stopServer(server);
});

/** Retries a REST call while the server is away (network error or 503). */
async function persist<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof LivePlanError) || (e.status !== 0 && e.status !== 503)) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Every stored event of the plan, from the server's log. */
async function log(api: LivePlanApi, planId: string): Promise<PlanEvent[]> {
  const all: PlanEvent[] = [];
  for (;;) {
    const page = await api.getEvents(planId, { since: all.at(-1)?.seq ?? 0, limit: 1000 });
    if (page.events.length === 0) return all;
    all.push(...page.events);
  }
}

describe('resuming', () => {
  it('loses nothing across a server restart (kill -9) while another client writes', async () => {
    server = await startServer();
    const { url, port, dir } = server;
    const ada = new LivePlanApi({ url, token: await devToken(url, 'ada', 'Ada') });
    const plan = await ada.createPlan({ title: 'Restart' });
    await ada.setMember(plan.id, 'bob', { role: 'editor', name: 'Bob' });

    const bob = new LivePlanClient({
      url,
      token: await devToken(url, 'bob', 'Bob'),
      WebSocket,
      backoff: { baseMs: 50, maxMs: 400 },
    });
    clients.push(bob);
    const statuses: Status[] = [];
    const connections: string[] = [];
    bob.on('status', (s) => statuses.push(s));
    bob.on('connected', (f) => connections.push(f.connectionId));
    const received: PlanEvent[] = [];
    const sub = bob.plan(plan.id, { since: 0, onEvent: (e) => received.push(e) });
    await waitFor('bob to join', () => sub.state === 'joined');

    const writes = 40;
    for (let i = 0; i < writes; i++) {
      if (i === 15) {
        await server.kill(); // no close frame: the client sees 1006
        await waitFor('bob to notice', () => bob.status === 'reconnecting');
        await new Promise((r) => setTimeout(r, 300));
        server = await startServer({ dir, port });
      }
      await persist(() => ada.createTask(plan.id, { title: `task ${i}` }));
      if (i % 5 === 4) await persist(() => ada.updatePlan(plan.id, { title: `Restart ${i}` }));
    }

    const stored = await log(ada, plan.id);
    const last = stored.at(-1)!.seq;
    expect(last).toBeGreaterThanOrEqual(1 + writes * 2 + writes / 5);
    await waitFor(`bob to reach seq ${last}`, () => sub.lastSeq === last);
    expect(received.map((e) => e.seq)).toEqual(range(1, last));
    expect(received).toEqual(stored); // the same frames, byte for byte as parsed
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    expect(connections).toHaveLength(2);
    expect(bob.connectionId).toBe(connections[1]);
  });

  it('rejoins every plan with since after a graceful restart (1001)', async () => {
    server = await startServer({ env: { LIVEPLAN_SHUTDOWN_GRACE_MS: '200' } });
    const { url, port, dir } = server;
    const ada = new LivePlanApi({ url, token: await devToken(url, 'ada', 'Ada') });
    const plans = [await ada.createPlan({ title: 'One' }), await ada.createPlan({ title: 'Two' })];
    const client = new LivePlanClient({ url, token: await devToken(url, 'ada', 'Ada'), WebSocket, backoff: { baseMs: 50, maxMs: 200 } });
    clients.push(client);
    const closes: number[] = [];
    client.on('disconnected', (d) => closes.push(d.code));
    const seen = new Map<string, number[]>();
    const subs = plans.map((p) => client.plan(p.id, { onEvent: (e) => seen.set(p.id, [...(seen.get(p.id) ?? []), e.seq]) }));
    await waitFor('both joined', () => subs.every((s) => s.state === 'joined'));
    for (const p of plans) await ada.createTask(p.id, { title: 'before' }); // seqs 1, 2 each
    await waitFor('events before', () => subs.every((s) => s.lastSeq === 2));

    const restarted = (async () => {
      await waitFor('the 1001', () => closes.length > 0);
      await server!.kill();
      server = await startServer({ dir, port });
    })();
    process.kill(server.pid, 'SIGTERM');
    await restarted;
    for (const p of plans) await persist(() => ada.createTask(p.id, { title: 'after' })); // seqs 3, 4
    await waitFor('events after', () => subs.every((s) => s.lastSeq === 4));
    expect(closes[0]).toBe(1001);
    for (const p of plans) expect(seen.get(p.id)).toEqual([1, 2, 3, 4]);
  });
});
