/**
 * Runs an async task for the latest value only: while one run is in flight, newer values
 * replace each other and only the last one runs next. A slider firing 60 events a second thus
 * keeps at most one request in flight and always ends on the value the user let go at.
 */
export class Coalescer<T> {
  private pending: { value: T } | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly task: (value: T) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(value: T): void {
    this.pending = { value };
    if (!this.running) this.running = this.drain();
  }

  /** Whether a value is running or waiting. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when every pushed value has been handled (or superseded). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const { value } = this.pending;
        this.pending = null;
        await this.task(value).catch(this.onError);
      }
    } finally {
      this.running = null;
    }
  }
}
