/**
 * Every ONNX Runtime session of a SessionFactory lives on one worker thread (ort-worker.ts).
 * onnxruntime-node runs a graph synchronously on the calling thread: on the server's thread a
 * 1024-px generator, a refinement or a solver pass stopped every other request (/api/health
 * included) for as long as it ran. Runs stay one at a time, in order, as before; only the thread
 * changes. Feeds are copied into buffers of their own and transferred, outputs transferred back;
 * the thread hands the feed buffers back with its answer, for the next run's feeds (feed-buffers.ts).
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { WireTensor, WorkerReply, ownedCopy, transferList } from "./ort-wire";
import { Dispatch, WorkerCalls, WorkerStoppedError } from "./worker-calls";
import { FeedBuffers } from "./feed-buffers";
import { RunQueue } from "./run-queue";
import type { SymmetricEigen } from "../engine/tenalg/symmetric-eigen";

/** What the project uses of an inference session. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>, options?: RunOptions): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

export interface RunOptions {
  /** sessions of the same factory run right after this one on its thread, each fed the outputs before it (by input name); the answer is the last one's outputs */
  then?: readonly OrtSession[];
  /** someone is waiting to see it (a live preview frame): it runs before queued background runs (run-queue.ts) */
  interactive?: boolean;
}

type Answer = WorkerReply & { ok: true };

interface Binding {
  worker: Worker;
  session: number;
  inputNames: readonly string[];
  outputNames: readonly string[];
}

export class OrtThread {
  private readonly calls = new WorkerCalls(join(__dirname, "ort-worker-entry.js"), "ONNX Runtime");
  private nextSession = 1;
  /** @internal feed buffers the thread handed back, for the next runs */
  readonly feedBuffers = new FeedBuffers();
  /** @internal whose run goes next */
  readonly runs = new RunQueue();

  /** The worker's thread id while it runs (tests check that runs happen off the main thread). */
  get threadId(): number | null {
    return this.calls.threadId;
  }

  async open(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<OrtSession> {
    const session = new RemoteSession(this, model, options);
    await session.opened();
    return session;
  }

  /** The eigendecomposition of a symmetric n×n matrix (symmetric-eigen.ts) on this thread; the caller keeps `a`. */
  async symmetricEigen(a: Float32Array | Float64Array, n: number): Promise<SymmetricEigen> {
    const reply = await this.calls.call<Answer>(this.calls.current(), { op: "eigen", values: a, n });
    if (!reply.eigen) throw new Error("the ONNX Runtime thread answered an eigendecomposition without it");
    return reply.eigen;
  }

  /** Calls `listener` as each call (open, run, release, eigen) leaves for the thread; returns the function that stops it. */
  watch(listener: (call: Dispatch) => void): () => void {
    return this.calls.watch(listener);
  }

  /** Ends the thread and every session on it; runs still waiting fail. */
  close(): Promise<void> {
    this.feedBuffers.clear();
    return this.calls.close();
  }

  /** @internal Opens a session on the thread (started if need be): the worker it lives on and its number there. */
  async openOnWorker(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<Binding> {
    const session = this.nextSession++;
    const worker = this.calls.current();
    const reply = await this.calls.call<Answer>(worker, { op: "open", session, model, options });
    return { worker, session, inputNames: reply.inputNames ?? [], outputNames: reply.outputNames ?? [] };
  }

  /** @internal */
  isCurrent(worker: Worker): boolean {
    return this.calls.isCurrent(worker);
  }

  /** @internal */
  call(worker: Worker, request: object, transfer: ArrayBuffer[] = []): Promise<Answer> {
    return this.calls.call<Answer>(worker, request, transfer);
  }
}

/** A session on the ONNX Runtime thread; should that thread have died, the next run opens it again on a new one. */
class RemoteSession implements OrtSession {
  private binding: Promise<Binding>;

  constructor(
    readonly thread: OrtThread,
    private readonly model: string | Uint8Array,
    private readonly options: ort.InferenceSession.SessionOptions,
  ) {
    this.binding = thread.openOnWorker(model, options);
  }

  private names: { inputNames: readonly string[]; outputNames: readonly string[] } = { inputNames: [], outputNames: [] };

  async opened(): Promise<void> {
    this.names = await this.binding;
  }

  get inputNames(): readonly string[] {
    return this.names.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.names.outputNames;
  }

  /**
   * Runs the graph; should the thread die while it holds this run (a crash, out of memory, killed),
   * the run is sent once more to a fresh thread, and only if that one dies too does it fail (with
   * the WorkerStoppedError, which the server answers with 503).
   */
  async run(feeds: Record<string, ort.Tensor>, options: RunOptions = {}): Promise<Record<string, ort.Tensor>> {
    const then = (options.then ?? []).map((s) => {
      if (!(s instanceof RemoteSession) || s.thread !== this.thread) throw new Error("a chained session must come from the same session factory");
      return s;
    });
    try {
      return await this.runOnce(feeds, then, options.interactive);
    } catch (err) {
      if (!(err instanceof WorkerStoppedError)) throw err;
      return this.runOnce(feeds, then, options.interactive);
    }
  }

  /** This session on the running thread, opened there again if its thread has died. */
  async current(): Promise<Binding> {
    const before = this.binding;
    const binding = await before.catch((err: unknown) => {
      if (err instanceof WorkerStoppedError) return null;
      throw err;
    });
    if (binding && this.thread.isCurrent(binding.worker)) return binding;
    // Of the runs that find the thread gone, only the first opens the session again; the others wait for it.
    if (this.binding === before) this.binding = this.thread.openOnWorker(this.model, this.options);
    return this.binding;
  }

  private async runOnce(feeds: Record<string, ort.Tensor>, then: readonly RemoteSession[], interactive = false): Promise<Record<string, ort.Tensor>> {
    // the feeds are copied before this run takes its turn: a large copy does not hold up the runs behind it
    const wire: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(feeds)) wire[name] = { type: t.type, dims: t.dims, data: await ownedCopy(t.data, this.thread.feedBuffers) };
    const release = await this.thread.runs.turn(interactive);
    let reply: Answer;
    try {
      const binding = await this.current();
      const chained = await Promise.all(then.map((s) => s.current()));
      if (chained.some((b) => b.worker !== binding.worker)) throw new WorkerStoppedError("ONNX Runtime", "was replaced while a chained run was being sent");
      const request = { op: "run", session: binding.session, feeds: wire, ...(chained.length > 0 ? { then: chained.map((b) => b.session) } : {}) };
      reply = await this.thread.call(binding.worker, request, transferList(wire));
    } finally {
      release();
    }
    for (const buffer of reply.feedBuffers ?? []) this.thread.feedBuffers.give(buffer);
    const out: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(reply.outputs ?? {})) out[name] = new ort.Tensor(t.type, t.data as Float32Array, t.dims);
    return out;
  }

  async release(): Promise<void> {
    const binding = await this.binding.catch(() => null);
    if (binding && this.thread.isCurrent(binding.worker)) await this.thread.call(binding.worker, { op: "release", session: binding.session }).catch(() => undefined);
  }
}
