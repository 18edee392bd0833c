/**
 * Real WebSockets (Node 20 has no global one: the `ws` package) for the SDK, and a wrapper
 * around them that lets a test change what the SDK receives — duplicate, reorder or drop
 * frames of the real connection — and see what it sent.
 */
import WebSocket from 'ws';
import type { ClientMessage, WebSocketConstructor, WebSocketLike } from '../../src/index.js';

export { WebSocket };

/** Decides what the SDK gets for one incoming frame: call `deliver` 0, 1 or more times, now or later. */
export type Tamper = (frame: { type: string; seq?: number; planId?: string }, deliver: () => void) => void;

export interface Tampered {
  WebSocket: WebSocketConstructor;
  /** Every message the SDK sent, over all its connections. */
  sent: ClientMessage[];
  /** The sockets opened so far. */
  sockets: WebSocketLike[];
}

export function tampered(tamper: Tamper = (_, deliver) => deliver()): Tampered {
  const sent: ClientMessage[] = [];
  const sockets: WebSocketLike[] = [];
  class TamperedWebSocket implements WebSocketLike {
    private readonly inner: WebSocket;
    private readonly messageListeners: ((event: { data: string }) => void)[] = [];

    constructor(url: string) {
      this.inner = new WebSocket(url);
      this.inner.addEventListener('message', (event) => {
        const data = String(event.data);
        const deliver = () => {
          for (const l of this.messageListeners) l({ data });
        };
        tamper(JSON.parse(data) as { type: string }, deliver);
      });
      sockets.push(this);
    }
    get readyState() {
      return this.inner.readyState;
    }
    send(data: string) {
      sent.push(JSON.parse(data) as ClientMessage);
      this.inner.send(data);
    }
    close(code?: number, reason?: string) {
      this.inner.close(code, reason);
    }
    addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void) {
      if (type === 'message') this.messageListeners.push(listener);
      else this.inner.addEventListener(type, listener);
    }
  }
  return { WebSocket: TamperedWebSocket, sent, sockets };
}
