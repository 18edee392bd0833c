/**
 * A WebSocket the tests drive by hand: `connected()` plays the server's first frame,
 * `receive()` any frame, `serverClose()` a close; `sent` holds what the client sent.
 */
import type { ClientMessage } from '../../src/index.js';

type Listener = (event: unknown) => void;

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static last(): FakeWebSocket {
    const ws = FakeWebSocket.instances.at(-1);
    if (!ws) throw new Error('no socket was opened');
    return ws;
  }
  static reset(): void {
    FakeWebSocket.instances = [];
  }

  readonly url: string;
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  /** The code the client closed with, if it did. */
  closedWith: number | undefined;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  /** The token in the URL. */
  get token(): string | null {
    return new URL(this.url).searchParams.get('token');
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data) as ClientMessage);
  }

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** The messages of one type the client sent. */
  sentOf<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m) => m.type === type) as Extract<ClientMessage, { type: T }>[];
  }

  // ---- the server's side ----

  connected(connectionId = 'c1', heartbeatMs = 30_000): void {
    this.readyState = 1;
    this.emit('open', {});
    this.receive({
      type: 'connected',
      connectionId,
      user: { id: 'ada', name: 'Ada' },
      heartbeatMs,
      serverTime: new Date().toISOString(),
    });
  }

  receive(frame: object): void {
    this.emit('message', { data: JSON.stringify(frame) });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.emit('close', { code, reason });
  }

  private emit(type: string, event: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }
}

/** A plan event frame for the tests (`task-deleted`, the smallest `data`). */
export function event(planId: string, seq: number) {
  return {
    type: 'task-deleted' as const,
    planId,
    seq,
    data: { taskId: `t${seq}` },
    actor: { id: 'bob', name: 'Bob' },
    timestamp: new Date().toISOString(),
  };
}

/** An unsigned JWT whose payload is `claims` (the client reads `exp` only). */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.signature`;
}
