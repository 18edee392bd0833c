import { afterEach, describe, expect, it } from 'vitest';
import { LivePlanApi, LivePlanClient, LivePlanError, type PlanEvent, type PlanSnapshot } from '../../src/index.js';
import { devToken, range, startServer, stopServer, waitFor, type Server } from '../helpers/server.js';
import { tampered } from '../helpers/ws.js';

let server: Server | undefined;
const clients: LivePlanClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await stopServer(server);
});

describe('resync-required', () => {
  it('fetches the snapshot, hands it to the app and continues from its seq', async () => {
    // keep only the 2 newest events of a plan, pruned every 20 ms
    server = await startServer({
      env: {
        LIVEPLAN_EVENT_RETENTION_COUNT: '2',
        LIVEPLAN_EVENT_RETENTION_AGE: '0s',
        LIVEPLAN_RETENTION_SWEEP_MS: '20',
      },
    });
    const url = server.url;
    const ada = new LivePlanApi({ url, token: await devToken(url, 'ada', 'Ada') });
    const plan = await ada.createPlan({ title: 'Pruned' });
    await ada.setMember(plan.id, 'bob', { role: 'viewer', name: 'Bob' });
    for (let i = 0; i < 5; i++) await ada.createTask(plan.id, { title: `old ${i}` }); // seqs 2..11
    for (;;) {
      const gone = await ada.getEvents(plan.id, { since: 0 }).then(
        () => false,
        (e: unknown) => e instanceof LivePlanError && e.code === 'gone',
      );
      if (gone) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const wire = tampered();
    const bob = new LivePlanClient({ url, token: await devToken(url, 'bob', 'Bob'), WebSocket: wire.WebSocket });
    clients.push(bob);
    const received: PlanEvent[] = [];
    const snapshots: PlanSnapshot[] = [];
    const sub = bob.plan(plan.id, { since: 0, onEvent: (e) => received.push(e) });
    sub.on('resync', (s) => snapshots.push(s));
    await waitFor('the snapshot', () => snapshots.length === 1);
    expect(snapshots[0]!.seq).toBe(11);
    expect(snapshots[0]!.tasks.map((t) => t.title)).toEqual(['old 0', 'old 1', 'old 2', 'old 3', 'old 4']);
    expect(snapshots[0]!.members.map((m) => m.userId)).toEqual(['ada', 'bob']);
    expect(sub.lastSeq).toBe(11);
    expect(received).toEqual([]);

    for (let i = 0; i < 3; i++) await ada.createTask(plan.id, { title: `new ${i}` }); // seqs 12..17
    await waitFor('seq 17', () => sub.lastSeq === 17);
    expect(received.map((e) => e.seq)).toEqual(range(12, 17));
    expect(wire.sent.filter((m) => m.type === 'join-plan')).toHaveLength(1);
  });
});
