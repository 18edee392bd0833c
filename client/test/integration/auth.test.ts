import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LivePlanApi, LivePlanClient, type Disconnect, type PlanEvent, type Status } from '../../src/index.js';
import { cliToken, devToken, range, startServer, stopServer, waitFor, type Server } from '../helpers/server.js';
import { tampered, WebSocket } from '../helpers/ws.js';

let server: Server | undefined;
const clients: LivePlanClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await stopServer(server);
});

/** An HS256 token for `sub`, signed with a secret the server does not know. */
function foreignToken(sub: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${createHmac('sha256', randomBytes(32)).update(body).digest('base64url')}`;
}

function watchClient(c: LivePlanClient) {
  clients.push(c);
  const statuses: Status[] = [];
  const closes: Disconnect[] = [];
  c.on('status', (s) => statuses.push(s));
  c.on('disconnected', (d) => closes.push(d));
  return { statuses, closes };
}

describe('close 4401', () => {
  it('asks getToken() for a fresh token and connects with it', async () => {
    server = await startServer();
    const good = await devToken(server.url, 'ada', 'Ada');
    const getToken = vi.fn(async () => good);
    const c = new LivePlanClient({ url: server.url, token: foreignToken('ada'), getToken, WebSocket });
    const { statuses, closes } = watchClient(c);
    await waitFor('connected', () => c.status === 'connected');
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(closes).toEqual([{ code: 4401, reason: 'unauthorized' }]);
    expect(statuses).toEqual(['connected']);
    expect(c.user).toEqual({ id: 'ada', name: 'Ada' });
  });

  it('ends unauthorized when getToken() fails, or its token is refused too', async () => {
    server = await startServer();
    const failing = new LivePlanClient({
      url: server.url,
      token: 'not-a-jwt',
      getToken: () => Promise.reject(new Error('signed out')),
      WebSocket,
    });
    const a = watchClient(failing);
    const refused = new LivePlanClient({ url: server.url, token: 'not-a-jwt', getToken: async () => foreignToken('ada'), WebSocket });
    const b = watchClient(refused);
    await waitFor('both unauthorized', () => failing.status === 'unauthorized' && refused.status === 'unauthorized');
    await new Promise((r) => setTimeout(r, 300)); // and they stay there
    expect(a.statuses).toEqual(['unauthorized']);
    expect(b.statuses).toEqual(['unauthorized']);
    expect(b.closes.map((d) => d.code)).toEqual([4401, 4401]);
  });
});

describe('token expiry', () => {
  it('refreshes a short-lived token in-band and keeps the connection', async () => {
    server = await startServer({ env: { LIVEPLAN_JWT_LEEWAY_SECS: '0' } });
    const s = server;
    const getToken = vi.fn(() => cliToken(s, 'ada', '1h'));
    const c = new LivePlanClient({ url: s.url, token: await cliToken(s, 'ada', '3s'), getToken, WebSocket });
    const { statuses, closes } = watchClient(c);
    const refreshed: string[] = [];
    c.on('frame', (f) => {
      if (f.type === 'token-refreshed') refreshed.push(f.expiresAt);
    });
    await waitFor('connected', () => c.status === 'connected');
    const first = c.connectionId;
    await waitFor('token-refreshed', () => refreshed.length === 1);
    await new Promise((r) => setTimeout(r, 3500)); // past the first token's exp
    expect(Date.parse(refreshed[0]!)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(c.connectionId).toBe(first);
    expect(closes).toEqual([]);
    expect(statuses).toEqual(['connected']);
  });

  it('after 4401 token expired, gets a fresh token, reconnects and resumes without loss', async () => {
    server = await startServer({ env: { LIVEPLAN_JWT_LEEWAY_SECS: '0' } });
    const s = server;
    const ada = new LivePlanApi({ url: s.url, token: await devToken(s.url, 'ada', 'Ada') });
    const plan = await ada.createPlan({ title: 'Expiry' });
    await ada.setMember(plan.id, 'bob', { role: 'viewer', name: 'Bob' });
    // The in-band refresh is refused (a token of another user), so the server closes at exp.
    const tokens = [() => cliToken(s, 'mallory', '1h'), () => cliToken(s, 'bob', '1h')];
    const getToken = vi.fn(() => tokens.shift()!());
    const wire = tampered();
    const bob = new LivePlanClient({ url: s.url, token: await cliToken(s, 'bob', '2s'), getToken, WebSocket: wire.WebSocket });
    const { statuses, closes } = watchClient(bob);
    const errors: string[] = [];
    bob.on('error', (e) => errors.push(e.message));
    const received: PlanEvent[] = [];
    const sub = bob.plan(plan.id, { since: 0, onEvent: (e) => received.push(e) });
    await waitFor('joined', () => sub.state === 'joined');
    const writer = (async () => {
      for (let i = 0; i < 30; i++) {
        await ada.createTask(plan.id, { title: `t${i}` });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await waitFor('the 4401', () => closes.length > 0, 10_000);
    await writer;
    const last = (await ada.getPlan(plan.id)).seq;
    await waitFor(`seq ${last}`, () => sub.lastSeq === last);
    expect(received.map((e) => e.seq)).toEqual(range(1, last));
    expect(closes).toEqual([{ code: 4401, reason: 'token expired' }]);
    expect(errors).toEqual(['token: belongs to another user']);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    const joins = wire.sent.filter((m) => m.type === 'join-plan');
    expect(joins).toHaveLength(2);
    expect(joins[1]!.since).toBeGreaterThan(0);
  });
});
