/** Listener maps: event name → the listener's arguments. */
export type ListenerMap = { [event: string]: unknown[] };

/** The listener of each event of `M`. */
export type Listeners<M extends ListenerMap> = { [E in keyof M]: (...args: M[E]) => unknown };

/**
 * A minimal typed event emitter. `on` answers a function that removes the listener. A
 * listener that throws does not stop the others nor the client: its error is rethrown
 * on a later task, where the host reports it.
 */
type Listener = (...args: any[]) => void;

export class Emitter<M extends ListenerMap> {
  private readonly listeners = new Map<keyof M, Set<Listener>>();

  on<E extends keyof M>(event: E, listener: NoInfer<Listeners<M>[E]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Calls every listener of `event`; answers whether there was one. */
  emit<E extends keyof M>(event: E, ...args: M[E]): boolean {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
    return true;
  }

  clear(): void {
    this.listeners.clear();
  }
}
