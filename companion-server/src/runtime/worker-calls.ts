/**
 * Calls to a worker thread as promises: each request carries an id, the worker answers it with
 * `{id, ok: true, …}` or `{id, ok: false, message}`. The thread starts on the first call, keeps
 * the process alive only while calls are waiting (an idle server or CLI exits as before), and when
 * it dies the calls waiting fail and the next call starts a fresh one.
 */
import { Worker } from "node:worker_threads";

export type Reply = { id: number; ok: true } | { id: number; ok: false; message: string };

interface Pending {
  resolve(reply: unknown): void;
  reject(err: Error): void;
}

export class WorkerCalls {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly answered: Array<() => void> = [];

  /** @param entry the worker's script; @param what the thread's name in errors */
  constructor(
    private readonly entry: string,
    private readonly what: string,
  ) {}

  /** The worker's thread id while it runs. */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** The running worker, started if need be. */
  current(): Worker {
    if (this.closed) throw new Error(`${this.what} has been closed`);
    if (this.worker) return this.worker;
    const worker = new Worker(this.entry);
    worker.unref();
    worker.on("message", (reply: Reply) => this.settle(reply));
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const p of waiting) p.reject(err);
    };
    worker.on("error", (err) => fail(new Error(`the ${this.what} thread failed: ${err.message}`)));
    worker.on("exit", (code) => fail(new Error(`the ${this.what} thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  isCurrent(worker: Worker): boolean {
    return worker === this.worker;
  }

  /** Sends `request` (with an id added) to `worker`, which must still be the running one. */
  call<R>(worker: Worker, request: object, transfer: ArrayBuffer[] = []): Promise<R> {
    if (worker !== this.worker) return Promise.reject(new Error(`the ${this.what} thread has stopped`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: unknown) => void, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  /** Ends the thread; calls still waiting fail, and no call starts it again. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    this.answered.push(() => (reply.ok ? p.resolve(reply) : p.reject(new Error(reply.message))));
    if (this.answered.length === 1) setImmediate(() => this.handOut());
  }

  /**
   * Node delivers every reply waiting on the port in one go; resolved together, their callers'
   * continuations (mask filtering, encoding) would run back to back with no request in between.
   * One answer per turn of the event loop lets other requests (/api/health) in between them.
   */
  private handOut(): void {
    this.answered.shift()?.();
    if (this.answered.length > 0) setImmediate(() => this.handOut());
  }
}
