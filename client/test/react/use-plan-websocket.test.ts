// @vitest-environment jsdom
/**
 * `usePlanWebSocket` and `LivePlanProvider` against the real server binary, in jsdom.
 * The hooks' sockets are `ws`'s, wrapped to count the sockets opened and the messages sent.
 */
import { act, renderHook, waitFor as rtlWaitFor } from '@testing-library/react';
import { createElement, StrictMode, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LivePlanApi, LivePlanClient, type ClientMessage, type PlanEvent } from '../../src/index.js';
import {
  LivePlanProvider,
  queryKeysFor,
  usePlanWebSocket,
  type TaskMovedEvent,
  type UsePlanWebSocketOptions,
} from '../../src/react.js';
import { devToken, startServer, stopServer, type Server } from '../helpers/server.js';
import { tampered, WebSocket } from '../helpers/ws.js';

let server: Server | undefined;
const clients: LivePlanClient[] = [];
const unmounts: (() => void)[] = [];
afterEach(async () => {
  for (const u of unmounts.splice(0)) u();
  for (const c of clients.splice(0)) c.close();
  await new Promise((r) => setTimeout(r, 20)); // the hooks' deferred releases
  await stopServer(server);
  server = undefined;
});

const waitFor = <T>(check: () => T, timeout = 10_000) => rtlWaitFor(check, { timeout, interval: 10 });
const sleep = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));
const count = (sent: ClientMessage[], type: ClientMessage['type']) => sent.filter((m) => m.type === type).length;

/** A server, a plan of Ada's with Bob as editor, and Bob's token. */
async function setup() {
  server = await startServer();
  const { url } = server;
  const ada = new LivePlanApi({ url, token: await devToken(url, 'ada', 'Ada') });
  const plan = await ada.createPlan({ title: 'Hooked' });
  await ada.setMember(plan.id, 'bob', { role: 'editor', name: 'Bob' });
  return { url, ada, planId: plan.id, bobToken: await devToken(url, 'bob', 'Bob') };
}

describe('usePlanWebSocket', () => {
  it('follows a whole session: connect, participants, events, typing, disable', async () => {
    const { url, ada, planId, bobToken } = await setup();
    const socket = tampered();
    const seen: Record<string, unknown[]> = {};
    const record = (name: string) => (x: unknown) => (seen[name] ??= []).push(x);
    const callbacks = {
      onTaskCreated: record('created'),
      onTaskUpdated: record('updated'),
      onTaskDeleted: record('deleted'),
      onTaskReordered: record('reordered'),
      onProgressUpdated: record('progress'),
      onUserJoined: record('joined'),
      onUserLeft: record('left'),
      onEvent: record('event'),
    };
    const { result, rerender, unmount } = renderHook((props: Partial<UsePlanWebSocketOptions>) =>
      usePlanWebSocket({
        planId,
        url,
        token: bobToken,
        WebSocket: socket.WebSocket,
        typingTimeoutMs: 400,
        ...callbacks,
        ...props,
      }),
      { initialProps: {} },
    );
    unmounts.push(unmount);

    expect(result.current.isConnected).toBe(false);
    await waitFor(() => expect(result.current.isConnected).toBe(true));
    expect(result.current.status).toBe('connected');
    expect(result.current.planState).toBe('joined');
    expect(result.current.connectionId).toMatch(/.+/);
    expect(result.current.participants.map((p) => p.userId)).toEqual(['bob']);
    expect(result.current.participantCount).toBe(1);
    expect(result.current.lastSeq).toBeGreaterThanOrEqual(1); // the member-added of Bob

    // Ada joins with a client of her own.
    const adaClient = new LivePlanClient({ url, token: await devToken(url, 'ada', 'Ada'), WebSocket });
    clients.push(adaClient);
    const adaPlan = adaClient.plan(planId);
    await waitFor(() => expect(result.current.participantCount).toBe(2));
    expect(result.current.participants.map((p) => p.userId).sort()).toEqual(['ada', 'bob']);
    expect(seen.joined).toEqual([expect.objectContaining({ type: 'user-joined', user: { id: 'ada', name: 'Ada' } })]);

    // Events reach the callbacks with their data.
    const before = result.current.lastSeq!;
    const a = await ada.createTask(planId, { title: 'A' });
    const b = await ada.createTask(planId, { title: 'B' });
    await ada.reorderTasks(planId, [b.id, a.id]);
    await ada.updateTask(a.id, { status: 'done' });
    await ada.deleteTask(b.id);
    await waitFor(() => expect(seen.deleted).toHaveLength(1));
    expect((seen.created as PlanEvent[]).map((e) => e.type === 'task-created' && e.data.task.title)).toEqual(['A', 'B']);
    expect(seen.updated).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ task: expect.objectContaining({ id: a.id, status: 'done' }) }) }),
    ]);
    expect(seen.reordered).toEqual([expect.objectContaining({ data: { taskIds: [b.id, a.id] } })]);
    expect(seen.deleted).toEqual([expect.objectContaining({ data: { taskId: b.id } })]);
    // created ×2, status → done, deleted: four progress updates; the last has one task, done
    expect(seen.progress).toHaveLength(4);
    expect((seen.progress as PlanEvent[]).at(-1)!.data).toMatchObject({ total: 1, done: 1 });
    const events = seen.event as PlanEvent[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => before + 1 + i));
    await waitFor(() => expect(result.current.lastSeq).toBe(events.at(-1)!.seq));

    // A changed callback is used without rejoining.
    const joinsBefore = count(socket.sent, 'join-plan');
    const later: PlanEvent[] = [];
    rerender({ onTaskCreated: (e: PlanEvent) => later.push(e) });
    await ada.createTask(planId, { title: 'C' });
    await waitFor(() => expect(later).toHaveLength(1));
    expect(seen.created).toHaveLength(2);
    expect(count(socket.sent, 'join-plan')).toBe(joinsBefore);

    // A new token is refreshed in-band, without reconnecting or rejoining.
    rerender({ token: await devToken(url, 'bob', 'Bob B.') });
    await waitFor(() => expect(count(socket.sent, 'refresh-token')).toBe(1));
    await sleep(100);
    expect(result.current.isConnected).toBe(true);
    expect(socket.sockets).toHaveLength(1);
    expect(count(socket.sent, 'join-plan')).toBe(joinsBefore);

    // Typing appears, then expires without an update.
    adaPlan.typing(a.id, true);
    await waitFor(() =>
      expect(result.current.typing).toEqual([{ taskId: a.id, user: { id: 'ada', name: 'Ada' }, at: expect.any(Number) }]),
    );
    await waitFor(() => expect(result.current.typing).toEqual([]), 2000);
    // …and goes at once on isTyping: false. (Ada stops first: the SDK sends a repeated
    // `true` for the same task at most every 3 s, so a new `true` follows a `false`.)
    adaPlan.typing(a.id, false);
    adaPlan.typing(a.id, true);
    await waitFor(() => expect(result.current.typing).toHaveLength(1));
    adaPlan.typing(a.id, false);
    await waitFor(() => expect(result.current.typing).toEqual([]), 300);

    // Ada leaves.
    adaPlan.leave();
    await waitFor(() => expect(result.current.participantCount).toBe(1));
    expect(seen.left).toEqual([expect.objectContaining({ type: 'user-left', user: { id: 'ada', name: 'Ada' } })]);

    // Ada is back; Bob's hook is disabled: it leaves the plan (and, being the last, closes).
    const adaAgain = adaClient.plan(planId);
    await waitFor(() => expect(result.current.participantCount).toBe(2));
    await waitFor(() => expect(adaAgain.participants).toHaveLength(2));
    rerender({ enabled: false });
    expect(result.current.status).toBe('disabled');
    expect(result.current.isConnected).toBe(false);
    expect(result.current.participants).toEqual([]);
    await waitFor(() => expect(adaAgain.participants.map((p) => p.userId)).toEqual(['ada']));
    expect(count(socket.sent, 'leave-plan')).toBe(1);
    await waitFor(() => expect(socket.sockets[0]!.readyState).toBe(3));
    expect(socket.sockets).toHaveLength(1);
  });

  it('opens one socket and sends one join under StrictMode', async () => {
    const { url, planId, bobToken } = await setup();
    const socket = tampered();
    const { result, unmount } = renderHook(
      () => usePlanWebSocket({ planId, url, token: bobToken, WebSocket: socket.WebSocket }),
      { wrapper: StrictMode },
    );
    await waitFor(() => expect(result.current.isConnected).toBe(true));
    await sleep(300);
    expect(socket.sockets).toHaveLength(1);
    expect(count(socket.sent, 'join-plan')).toBe(1);
    expect(count(socket.sent, 'leave-plan')).toBe(0);
    unmount();
    await waitFor(() => expect(socket.sockets[0]!.readyState).toBe(3));
    expect(count(socket.sent, 'leave-plan')).toBe(1);
  });

  it('shares one socket and one join between two hooks on a plan', async () => {
    const { url, ada, planId, bobToken } = await setup();
    const socket = tampered();
    const one: PlanEvent[] = [];
    const two: PlanEvent[] = [];
    const options = { planId, url, token: bobToken, WebSocket: socket.WebSocket };
    const first = renderHook(() => usePlanWebSocket({ ...options, onEvent: (e) => one.push(e) }));
    const second = renderHook(() => usePlanWebSocket({ ...options, onEvent: (e) => two.push(e) }));
    unmounts.push(second.unmount);
    await waitFor(() => expect(first.result.current.isConnected && second.result.current.isConnected).toBe(true));
    expect(first.result.current.plan).toBe(second.result.current.plan);
    await ada.createTask(planId, { title: 'Both' });
    await waitFor(() => expect(two).toHaveLength(2)); // task-created, progress-updated
    expect(one).toEqual(two);
    expect(socket.sockets).toHaveLength(1);
    expect(count(socket.sent, 'join-plan')).toBe(1);

    // One unmounts: the other keeps the plan and the socket.
    first.unmount();
    await sleep(100);
    expect(count(socket.sent, 'leave-plan')).toBe(0);
    expect(second.result.current.isConnected).toBe(true);
    await ada.createTask(planId, { title: 'Still' });
    await waitFor(() => expect(two).toHaveLength(4));
    expect(one).toHaveLength(2);
  });

  it('with `since`, replays the events between a snapshot and the join', async () => {
    const { url, ada, planId, bobToken } = await setup();
    const snapshot = await ada.getPlan(planId);
    // Written after the snapshot and before the hook joins: without `since` they would be missed.
    await ada.createTask(planId, { title: 'Between' });
    const events: PlanEvent[] = [];
    const { result, unmount } = renderHook(() =>
      usePlanWebSocket({ planId, url, token: bobToken, WebSocket, since: snapshot.seq, onEvent: (e) => events.push(e) }),
    );
    unmounts.push(unmount);
    await waitFor(() => expect(events.map((e) => e.type)).toEqual(['task-created', 'progress-updated']));
    expect(events.map((e) => e.seq)).toEqual([snapshot.seq + 1, snapshot.seq + 2]);
    expect(result.current.lastSeq).toBe(snapshot.seq + 2);
  });

  it('says when the next attempt comes while reconnecting (retryAt), and clears it once connected', async () => {
    const { url, planId, bobToken } = await setup();
    const { result, unmount } = renderHook(() =>
      usePlanWebSocket({ planId, url, token: bobToken, WebSocket, clientOptions: { backoff: { baseMs: 3000, maxMs: 3000 } } }),
    );
    unmounts.push(unmount);
    await waitFor(() => expect(result.current.isConnected).toBe(true));
    expect(result.current.retryAt).toBeUndefined();
    const port = server!.port;
    const dir = server!.dir;
    const before = Date.now();
    await server!.kill();
    await waitFor(() => expect(result.current.retryAt).toBeDefined());
    expect(result.current.status).toBe('reconnecting');
    expect(result.current.retryAt!).toBeGreaterThanOrEqual(before);
    expect(result.current.retryAt!).toBeLessThanOrEqual(Date.now() + 3000);
    server = await startServer({ dir, port });
    await waitFor(() => expect(result.current.isConnected).toBe(true), 20_000);
    expect(result.current.retryAt).toBeUndefined();
  });

  it('invalidates the documented TanStack Query keys', async () => {
    const { url, ada, planId, bobToken } = await setup();
    const invalidated: unknown[][] = [];
    const queryClient = { invalidateQueries: vi.fn((f: { queryKey: readonly unknown[] }) => void invalidated.push([...f.queryKey])) };
    const events: PlanEvent[] = [];
    const { result, unmount } = renderHook(() =>
      usePlanWebSocket({ planId, url, token: bobToken, WebSocket, queryClient, onEvent: (e) => events.push(e) }),
    );
    unmounts.push(unmount);
    await waitFor(() => expect(result.current.isConnected).toBe(true));

    const keysAfter = async (write: () => Promise<unknown>, n: number) => {
      invalidated.length = 0;
      events.length = 0;
      await write();
      await waitFor(() => expect(events).toHaveLength(n));
      return invalidated.map((k) => JSON.stringify(k)).sort();
    };
    const sorted = (...keys: unknown[][]) => keys.map((k) => JSON.stringify(k)).sort();

    let task = { id: '' };
    expect(await keysAfter(async () => (task = await ada.createTask(planId, { title: 'Q' })), 2)).toEqual(
      sorted(['plan', planId], ['tasks', planId], ['progress', planId], ['task', task.id], ['progress', planId]),
    );
    expect(await keysAfter(() => ada.updateTask(task.id, { title: 'Q2' }), 1)).toEqual(
      sorted(['plan', planId], ['tasks', planId], ['progress', planId], ['task', task.id]),
    );
    events.length = 0;
    const other = await ada.createTask(planId, { title: 'Other' });
    await waitFor(() => expect(events).toHaveLength(2));
    expect(await keysAfter(() => ada.reorderTasks(planId, [other.id, task.id]), 1)).toEqual(sorted(['plan', planId], ['tasks', planId]));
    expect(await keysAfter(() => ada.addComment(task.id, 'hi'), 1)).toEqual(sorted(['comments', task.id], ['task', task.id]));
    expect(await keysAfter(() => ada.createSprint(planId, { name: 'S1' }), 1)).toEqual(sorted(['plan', planId], ['sprints', planId]));
    expect(await keysAfter(() => ada.setMember(planId, 'cy', { role: 'viewer', name: 'Cy' }), 1)).toEqual(
      sorted(['plan', planId], ['members', planId]),
    );
    expect(await keysAfter(() => ada.updatePlan(planId, { title: 'Renamed' }), 1)).toEqual(sorted(['plan', planId]));
    expect(await keysAfter(() => ada.deleteTask(task.id), 2)).toEqual(
      sorted(['plan', planId], ['tasks', planId], ['progress', planId], ['task', task.id], ['progress', planId]),
    );
    // queryKeysFor is what the hook used, event by event.
    expect(queryKeysFor(events[0]!)).toEqual([['plan', planId], ['tasks', planId], ['progress', planId], ['task', task.id]]);
    expect(queryClient.invalidateQueries).toHaveBeenCalledWith({ queryKey: ['tasks', planId] });
  });
});

describe('a plan the user may not join', () => {
  it('ends the subscription: planState failed, not connected, the socket stays up', async () => {
    const { url, ada, bobToken } = await setup();
    const secret = await ada.createPlan({ title: 'Not for Bob' });
    const socket = tampered();
    const { result, unmount } = renderHook(() =>
      usePlanWebSocket({ planId: secret.id, url, token: bobToken, WebSocket: socket.WebSocket }),
    );
    unmounts.push(unmount);
    await waitFor(() => expect(result.current.planState).toBe('failed'));
    expect(result.current.status).toBe('connected');
    expect(result.current.isConnected).toBe(false);
    expect(result.current.participants).toEqual([]);
    expect(count(socket.sent, 'join-plan')).toBe(1);
  });
});

describe('onTaskMoved', () => {
  it('gets the server\'s task-moved events and invalidates the moved task\'s keys', async () => {
    const { url, ada, planId, bobToken } = await setup();
    const moved: TaskMovedEvent[] = [];
    const invalidated: string[] = [];
    const queryClient = { invalidateQueries: (f: { queryKey: readonly unknown[] }) => void invalidated.push(JSON.stringify(f.queryKey)) };
    const { result, unmount } = renderHook(() =>
      usePlanWebSocket({ planId, url, token: bobToken, WebSocket, queryClient, onTaskMoved: (e) => moved.push(e) }),
    );
    unmounts.push(unmount);
    await waitFor(() => expect(result.current.isConnected).toBe(true));
    const task = await ada.createTask(planId, { title: 'Moving' });
    await waitFor(() => expect(invalidated).toContain(JSON.stringify(['task', task.id])));
    invalidated.length = 0;
    const done = `${planId}:done`;
    const after = await ada.moveTask(task.id, { columnId: done, position: 0 });
    await waitFor(() => expect(moved).toHaveLength(1));
    expect(moved[0]!.data).toEqual({
      task: after,
      from: { columnId: `${planId}:todo`, position: 0 },
      to: { columnId: done, position: 0 },
    });
    await waitFor(() =>
      expect([...new Set(invalidated)].sort()).toEqual(
        [['plan', planId], ['tasks', planId], ['progress', planId], ['task', task.id]].map((k) => JSON.stringify(k)).sort(),
      ),
    );
  });
});

describe('LivePlanProvider', () => {
  it("gives the hooks below it the app's client", async () => {
    const { url, ada, planId, bobToken } = await setup();
    const socket = tampered();
    const client = new LivePlanClient({ url, token: bobToken, WebSocket: socket.WebSocket });
    clients.push(client);
    const wrapper = ({ children }: { children?: ReactNode }) => createElement(LivePlanProvider, { client }, children);
    const created: string[] = [];
    const { result, unmount } = renderHook(
      () => [
        usePlanWebSocket({ planId, onTaskCreated: (e) => created.push(e.data.task.title) }),
        usePlanWebSocket({ planId }),
      ] as const,
      { wrapper },
    );
    await waitFor(() => expect(result.current[0].isConnected && result.current[1].isConnected).toBe(true));
    expect(result.current[0].client).toBe(client);
    expect(result.current[0].connectionId).toBe(client.connectionId);
    await ada.createTask(planId, { title: 'Via provider' });
    await waitFor(() => expect(created).toEqual(['Via provider']));
    expect(socket.sockets).toHaveLength(1);
    expect(count(socket.sent, 'join-plan')).toBe(1);
    unmount();
    await sleep(50);
    // The plan is left; the app's client stays open.
    expect(count(socket.sent, 'leave-plan')).toBe(1);
    expect(client.status).toBe('connected');
  });

  it('with connection options, makes one shared client for the hooks below it, StrictMode included', async () => {
    const { url, planId, bobToken } = await setup();
    const socket = tampered();
    const wrapper = ({ children }: { children?: ReactNode }) =>
      createElement(LivePlanProvider, { url, token: bobToken, WebSocket: socket.WebSocket }, children);
    const { result, unmount } = renderHook(() => usePlanWebSocket({ planId }), { wrapper, reactStrictMode: true });
    await waitFor(() => expect(result.current.isConnected).toBe(true));
    await sleep(200);
    expect(socket.sockets).toHaveLength(1);
    expect(count(socket.sent, 'join-plan')).toBe(1);
    unmount();
    await waitFor(() => expect(socket.sockets[0]!.readyState).toBe(3));
  });
});
