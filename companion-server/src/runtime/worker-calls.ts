/**
 * Calls to a worker thread as promises: each request carries an id, the worker answers it with
 * `{id, ok: true, …}` or `{id, ok: false, message}`. The thread starts on the first call, keeps
 * the process alive only while calls are waiting (an idle server or CLI exits as before), and when
 * it dies the calls waiting fail with a WorkerStoppedError and the next call starts a fresh one.
 */
import { Worker } from "node:worker_threads";

export type Reply = { id: number; ok: true } | { id: number; ok: false; message: string };

/**
 * The thread a call was waiting on died (crashed, ran out of memory, was terminated) or had
 * already been replaced. The work itself may be fine: callers retry once on a fresh thread, and
 * the server answers 503 (try again) rather than 500 when that fails too.
 */
export class WorkerStoppedError extends Error {
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`the ${what} thread ${detail}`);
  }
}

/** A call about to leave for its thread (what `watch` listeners see). */
export interface Dispatch {
  worker: Worker;
  op: string;
}

interface Pending {
  worker: Worker;
  resolve(reply: unknown): void;
  reject(err: Error): void;
}

export class WorkerCalls {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly answered: Array<() => void> = [];
  private readonly watchers = new Set<(call: Dispatch) => void>();

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
      // Only this thread's calls: a call sent again may already wait on its successor.
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on("error", (err) => fail(new WorkerStoppedError(this.what, `failed: ${err.message}`)));
    worker.on("exit", (code) => fail(new WorkerStoppedError(this.what, `stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  isCurrent(worker: Worker): boolean {
    return worker === this.worker;
  }

  /** Calls sent and not yet answered. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Calls `listener` as each call, already waiting for its answer, is about to be posted to its
   * thread; returns the function that stops it. Tests kill the thread from here: a thread
   * terminated then can never answer the call it was sent.
   */
  watch(listener: (call: Dispatch) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Sends `request` (with an id added) to `worker`, which must still be the running one. */
  call<R>(worker: Worker, request: object, transfer: ArrayBuffer[] = []): Promise<R> {
    if (worker !== this.worker) return Promise.reject(new WorkerStoppedError(this.what, "has stopped"));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { worker, resolve: resolve as (reply: unknown) => void, reject });
      if (this.pending.size === 1) worker.ref();
      const op = (request as { op?: unknown }).op;
      for (const watcher of this.watchers) watcher({ worker, op: typeof op === "string" ? op : "call" });
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
