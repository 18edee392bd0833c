import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LivePlanClient, tokenExpiry, type LivePlanClientOptions, type Status } from '../../src/index.js';
import { FakeWebSocket, jwt } from '../helpers/fake-ws.js';

/** random() = 0.5: each delay is half its ceiling, 250, 500, 1000, … ms. */
const HALF = { random: () => 0.5 };

function client(options: Partial<LivePlanClientOptions> = {}) {
  const c = new LivePlanClient({
    url: 'http://liveplan.test',
    token: 't0',
    WebSocket: FakeWebSocket,
    fetch: () => Promise.reject(new Error('no REST in this test')),
    backoff: HALF,
    ...options,
  });
  const statuses: Status[] = [];
  c.on('status', (s) => statuses.push(s));
  return { c, statuses };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_800_000_000_000); // a whole second: tokens' exp are whole seconds
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('connecting', () => {
  it('opens <url>/ws with the token, and is connected on the `connected` frame', () => {
    const { c, statuses } = client({ url: 'https://plans.example.com/' });
    expect(c.status).toBe('connecting');
    const ws = FakeWebSocket.last();
    expect(ws.url).toBe('wss://plans.example.com/ws?token=t0');
    ws.connected('conn-1');
    expect(c.status).toBe('connected');
    expect(c.connectionId).toBe('conn-1');
    expect(c.user).toEqual({ id: 'ada', name: 'Ada' });
    expect(statuses).toEqual(['connected']);
    c.close();
    expect(c.status).toBe('closed');
    expect(ws.closedWith).toBe(1000);
  });

  it('asks getToken() when it has no token', async () => {
    const getToken = vi.fn(async () => 'fresh');
    client({ token: undefined, getToken });
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(FakeWebSocket.last().token).toBe('fresh');
  });

  it('gives up on a socket that says nothing within connectTimeoutMs, and tries again', async () => {
    const { c } = client({ connectTimeoutMs: 1000 });
    const first = FakeWebSocket.last();
    await vi.advanceTimersByTimeAsync(999);
    expect(first.closedWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(first.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(250); // attempt 0: half of 500 ms
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(c.status).toBe('connecting'); // never connected yet
  });
});

describe('reconnecting', () => {
  it('waits a full-jitter backoff after each failed attempt, growing to the 30 s cap', async () => {
    const { c, statuses } = client();
    FakeWebSocket.last().connected();
    FakeWebSocket.last().serverClose(1006);
    expect(c.status).toBe('reconnecting');
    // attempt n waits random() · min(30 s, 0.5 s · 2^n); random() = 0.5
    const expected = [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000];
    for (const [n, delay] of expected.entries()) {
      const before = FakeWebSocket.instances.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(FakeWebSocket.instances.length, `attempt ${n} came early`).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeWebSocket.instances.length, `attempt ${n} did not come at ${delay} ms`).toBe(before + 1);
      FakeWebSocket.last().serverClose(1006); // refused again
    }
    // a success starts the count again
    await vi.advanceTimersByTimeAsync(15_000);
    FakeWebSocket.last().connected();
    FakeWebSocket.last().serverClose(1011);
    const before = FakeWebSocket.instances.length;
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeWebSocket.instances.length).toBe(before + 1);
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected', 'reconnecting']);
  });

  it('never waits longer than the ceiling whatever random() draws', async () => {
    const draws: number[] = [];
    const { c } = client({ backoff: { random: () => 0.999_999, baseMs: 100, maxMs: 800 } });
    c.on('disconnected', (d) => draws.push(d.reconnectInMs ?? -1));
    for (let i = 0; i < 8; i++) {
      FakeWebSocket.last().serverClose(1006);
      await vi.advanceTimersByTimeAsync(800);
    }
    expect(draws).toEqual([99, 199, 399, 799, 799, 799, 799, 799]);
  });

  it('reconnects at once after 1001, 1008 and 4408, resuming', async () => {
    const { c } = client();
    for (const code of [1001, 1008, 4408]) {
      FakeWebSocket.last().connected();
      const before = FakeWebSocket.instances.length;
      FakeWebSocket.last().serverClose(code);
      expect(c.status).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(0);
      expect(FakeWebSocket.instances.length, `after ${code}`).toBe(before + 1);
    }
  });

  it('backs off at least 4 s (ceiling) after 4429 too many connections', async () => {
    const delays: number[] = [];
    const { c } = client();
    c.on('disconnected', (d) => delays.push(d.reconnectInMs ?? -1));
    FakeWebSocket.last().serverClose(4429, 'too many connections');
    expect(delays).toEqual([2000]); // attempt max(0, 3): half of 4000
  });

  it('backs off after the other codes (1002, 1007, 1009, 1011, 1000 not asked for)', async () => {
    const { c } = client();
    for (const code of [1002, 1007, 1009, 1011, 1000]) {
      FakeWebSocket.last().connected();
      const before = FakeWebSocket.instances.length;
      FakeWebSocket.last().serverClose(code);
      await vi.advanceTimersByTimeAsync(0);
      expect(FakeWebSocket.instances.length, `after ${code}`).toBe(before);
      await vi.advanceTimersByTimeAsync(250);
      expect(FakeWebSocket.instances.length, `after ${code}`).toBe(before + 1);
    }
    expect(c.status).toBe('reconnecting');
  });

  it('stops for good on close()', async () => {
    const { c, statuses } = client();
    FakeWebSocket.last().serverClose(1006);
    c.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(statuses).toEqual(['closed']);
    expect(() => c.plan('p1')).toThrow(/closed/);
  });
});

describe('4401 unauthorized', () => {
  it('asks getToken() once and connects with the fresh token', async () => {
    const getToken = vi.fn(async () => 'fresh');
    const { c } = client({ token: 'stale', getToken });
    FakeWebSocket.last().serverClose(4401, 'token expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(FakeWebSocket.last().token).toBe('fresh');
    FakeWebSocket.last().connected();
    expect(c.status).toBe('connected');
    // after a success, a later 4401 may ask again
    FakeWebSocket.last().serverClose(4401, 'token expired');
    expect(c.status).toBe('reconnecting'); // while getToken() runs
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(2);
  });

  it('ends unauthorized when the fresh token is refused as well', async () => {
    let n = 0;
    const getToken = vi.fn(async () => `fresh-${++n}`);
    const { c } = client({ token: 'stale', getToken });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    FakeWebSocket.last().serverClose(4401);
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.last().serverClose(4401);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(c.status).toBe('unauthorized');
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(errors.at(-1)).toMatchObject({ code: 'unauthorized', status: 401 });
    // setToken starts again
    c.setToken('good');
    expect(FakeWebSocket.last().token).toBe('good');
  });

  it('ends unauthorized without getToken, when it throws, or when it gives the same token', async () => {
    const a = client().c;
    FakeWebSocket.last().serverClose(4401);
    expect(a.status).toBe('unauthorized');

    const b = client({ getToken: () => Promise.reject(new Error('logged out')) }).c;
    FakeWebSocket.last().serverClose(4401);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.status).toBe('unauthorized');

    const same = client({ getToken: () => 't0' }).c;
    FakeWebSocket.last().serverClose(4401);
    await vi.advanceTimersByTimeAsync(0);
    expect(same.status).toBe('unauthorized');
    expect(FakeWebSocket.instances).toHaveLength(3);
  });
});

describe('token refresh', () => {
  it('reads exp from the JWT payload', () => {
    expect(tokenExpiry(jwt({ sub: 'ada', exp: 1_795_619_483 }))).toBe(1_795_619_483);
    expect(tokenExpiry('not.a-jwt')).toBeUndefined();
    expect(tokenExpiry(jwt({ sub: 'ada' }))).toBeUndefined();
  });

  it('sends refresh-token with a fresh token refreshLeadMs before exp, and again for the next', async () => {
    const now = Math.floor(Date.now() / 1000);
    const first = jwt({ sub: 'ada', exp: now + 120 });
    const second = jwt({ sub: 'ada', exp: now + 300 });
    const getToken = vi.fn().mockResolvedValueOnce(second).mockResolvedValueOnce(jwt({ sub: 'ada', exp: now + 900 }));
    const { c } = client({ token: first, getToken });
    const ws = FakeWebSocket.last();
    ws.connected('c1', 1_000_000);
    await vi.advanceTimersByTimeAsync(89_000);
    expect(getToken).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000); // 120 s - 30 s lead
    expect(ws.sentOf('refresh-token').map((m) => m.token)).toEqual([second]);
    ws.receive({ type: 'token-refreshed', requestId: ws.sentOf('refresh-token')[0]!.requestId, expiresAt: '' });
    await vi.advanceTimersByTimeAsync(180_000); // 300 s - 30 s
    expect(ws.sentOf('refresh-token')).toHaveLength(2);
    expect(c.status).toBe('connected');
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('refreshes a short-lived token at half its remaining life', async () => {
    const now = Math.floor(Date.now() / 1000);
    const getToken = vi.fn(async () => jwt({ sub: 'ada', exp: now + 3600 }));
    client({ token: jwt({ sub: 'ada', exp: now + 10 }), getToken });
    FakeWebSocket.last().connected('c1', 1_000_000);
    await vi.advanceTimersByTimeAsync(4900);
    expect(getToken).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeWebSocket.last().sentOf('refresh-token')).toHaveLength(1);
  });
});

describe('heartbeat', () => {
  it('pings after heartbeatMs of silence, and reconnects when nothing answers', async () => {
    const { c } = client();
    const ws = FakeWebSocket.last();
    ws.connected('c1', 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.sentOf('ping')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sentOf('ping')).toHaveLength(1);
    ws.receive({ type: 'pong', serverTime: '' }); // heard: the silence starts again
    await vi.advanceTimersByTimeAsync(1999);
    expect(ws.sentOf('ping')).toHaveLength(2);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1001); // a heartbeat with no answer to the ping
    expect(ws.closedWith).toBe(1000);
    expect(c.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('does not ping while frames come in', async () => {
    client();
    const ws = FakeWebSocket.last();
    ws.connected('c1', 1000);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(900);
      ws.receive({ type: 'typing', planId: 'p', taskId: 't', user: { id: 'b', name: 'B' }, isTyping: true });
    }
    expect(ws.sentOf('ping')).toHaveLength(0);
  });
});

describe('in a browser', () => {
  const g = globalThis as unknown as Record<string, unknown>;
  let window: EventTarget;
  let document: EventTarget & { visibilityState: string };

  beforeEach(() => {
    window = new EventTarget();
    document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    g.addEventListener = window.addEventListener.bind(window);
    g.removeEventListener = window.removeEventListener.bind(window);
    g.document = document;
  });
  afterEach(() => {
    delete g.addEventListener;
    delete g.removeEventListener;
    delete g.document;
  });

  it('pauses on `offline` and reconnects at once on `online`', async () => {
    const { c, statuses } = client();
    const ws = FakeWebSocket.last();
    ws.connected();
    window.dispatchEvent(new Event('offline'));
    expect(c.status).toBe('offline');
    expect(ws.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    window.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last().connected();
    expect(statuses).toEqual(['connected', 'offline', 'reconnecting', 'connected']);
  });

  it('skips the backoff wait when the page becomes visible', async () => {
    const { c } = client();
    FakeWebSocket.last().connected();
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.last().serverClose(1006);
      await vi.advanceTimersByTimeAsync(16_000);
    }
    FakeWebSocket.last().serverClose(1006); // now waiting up to 30 s
    const before = FakeWebSocket.instances.length;
    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.instances.length).toBe(before);
    document.visibilityState = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.instances.length).toBe(before + 1);
    c.close();
    window.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances.length).toBe(before + 1);
  });

  it('starts offline when navigator.onLine is false', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { onLine: false }, configurable: true });
    try {
      const { c } = client();
      expect(c.status).toBe('offline');
      expect(FakeWebSocket.instances).toHaveLength(0);
      window.dispatchEvent(new Event('online'));
      expect(FakeWebSocket.instances).toHaveLength(1);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete g.navigator;
    }
  });
});

describe('notifications and errors', () => {
  it('passes personal notices to `notification` and stray error frames to `error`', () => {
    const { c } = client();
    const notes: string[] = [];
    const errors: Error[] = [];
    c.on('notification', (n) => notes.push(n.type));
    const off = c.on('error', (e) => errors.push(e));
    const ws = FakeWebSocket.last();
    ws.connected();
    ws.receive({ type: 'due-date-reminder', planId: 'p', task: {} });
    ws.receive({ type: 'task-assigned', planId: 'p', task: {}, actor: { id: 'b', name: 'B' } });
    ws.receive({ type: 'error', code: 'rate_limited', message: 'too many messages; slow down', retryAfterMs: 100 });
    off();
    ws.receive({ type: 'error', code: 'bad_request', message: 'x' });
    expect(notes).toEqual(['due-date-reminder', 'task-assigned']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'rate_limited' });
  });

  it('keeps presence across reconnects', async () => {
    const { c } = client();
    FakeWebSocket.last().connected();
    c.setPresence('away');
    expect(FakeWebSocket.last().sentOf('presence')).toEqual([{ type: 'presence', status: 'away' }]);
    FakeWebSocket.last().serverClose(1001);
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.last().connected('c2');
    expect(FakeWebSocket.last().sentOf('presence')).toEqual([{ type: 'presence', status: 'away' }]);
  });
});
