/**
 * Undo/redo over immutable states: an undo step is the state before an operation and its title.
 * Bounded, because every kept state holds on to pixel buffers.
 */

interface Step<T> {
  title: string;
  /** the state on the other side of the step (before it in `past`, after it in `future`) */
  state: T;
}

export class History<T> {
  private past: Step<T>[] = [];
  private future: Step<T>[] = [];

  constructor(
    private current: T,
    private readonly limit = 50,
  ) {}

  get present(): T {
    return this.current;
  }

  /** Makes `next` the present as one undo step. */
  apply(title: string, next: T): void {
    this.record(title, this.current);
    this.current = next;
  }

  /** Changes the present without an undo step (the active layer, the live states inside an operation). */
  replace(next: T): void {
    this.current = next;
  }

  /**
   * Closes an operation that started from `before` and has been applied with `replace`: one undo
   * step back to `before`. A `mergeable` step (in-place updates only, the live preview) joins the
   * previous step when that one has the same title, so dragging a preview slider is one undo step.
   */
  commit(title: string, before: T, mergeable = false): void {
    if (before === this.current) return;
    const last = this.past[this.past.length - 1];
    if (mergeable && last && last.title === title && this.future.length === 0) return;
    this.record(title, before);
  }

  private record(title: string, state: T): void {
    this.past.push({ title, state });
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }

  get undoTitle(): string | null {
    return this.past[this.past.length - 1]?.title ?? null;
  }

  get redoTitle(): string | null {
    return this.future[this.future.length - 1]?.title ?? null;
  }

  /** Returns the title of the undone step, or null when there is nothing to undo. */
  undo(): string | null {
    const step = this.past.pop();
    if (!step) return null;
    this.future.push({ ...step, state: this.current });
    this.current = step.state;
    return step.title;
  }

  redo(): string | null {
    const step = this.future.pop();
    if (!step) return null;
    this.past.push({ ...step, state: this.current });
    this.current = step.state;
    return step.title;
  }
}
