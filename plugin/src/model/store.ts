/** A minimal observable: one immutable state object, replaced by patches, with listeners. */
export type Listener<S> = (state: S) => void;

export class Store<S extends object> {
  private listeners = new Set<Listener<S>>();

  constructor(private state: S) {}

  get(): S {
    return this.state;
  }

  update(patch: Partial<S> | ((state: S) => Partial<S>)): void {
    const changes = typeof patch === "function" ? patch(this.state) : patch;
    this.state = { ...this.state, ...changes };
    for (const listener of this.listeners) listener(this.state);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: Listener<S>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
