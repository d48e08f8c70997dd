/**
 * Every ONNX Runtime session of a SessionFactory lives on one worker thread (ort-worker.ts).
 * onnxruntime-node runs a graph synchronously on the calling thread: on the server's thread a
 * 1024-px generator, a refinement or a solver pass stopped every other request (/api/health
 * included) for as long as it ran. Runs stay one at a time, in order, as before; only the thread
 * changes. Feeds are copied into buffers of their own and transferred, outputs transferred back.
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { WireTensor, WorkerReply, WorkerRequest, ownedCopy, transferList } from "./ort-wire";

/** What the project uses of an inference session. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

interface Pending {
  resolve(reply: WorkerReply & { ok: true }): void;
  reject(err: Error): void;
}

const WORKER_ENTRY = join(__dirname, "ort-worker-entry.js");

export class OrtThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextSession = 1;
  private closed = false;

  /** The worker's thread id while it runs (tests check that runs happen off the main thread). */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  async open(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<OrtSession> {
    const session = new RemoteSession(this, model, options);
    await session.opened();
    return session;
  }

  /** @internal Opens a session on the thread (started if need be): the worker it lives on and its number there. */
  async openOnWorker(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<Binding> {
    const session = this.nextSession++;
    const worker = this.started();
    const reply = await this.call(worker, { op: "open", session, model, options });
    return { worker, session, inputNames: reply.inputNames ?? [], outputNames: reply.outputNames ?? [] };
  }

  /** @internal */
  isCurrent(worker: Worker): boolean {
    return worker === this.worker;
  }

  /** Ends the thread and every session on it; runs still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  /** @internal */
  call(worker: Worker, request: Request, transfer: ArrayBuffer[] = []): Promise<WorkerReply & { ok: true }> {
    if (worker !== this.worker) return Promise.reject(new Error("the ONNX Runtime thread has stopped"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The thread keeps the process alive only while it has work: an idle server or CLI exits as before.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id } as WorkerRequest, transfer);
    });
  }

  private started(): Worker {
    if (this.closed) throw new Error("ONNX Runtime has been closed");
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_ENTRY);
    worker.unref();
    worker.on("message", (reply: WorkerReply) => this.settle(reply));
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const p of waiting) p.reject(err);
    };
    worker.on("error", (err) => fail(new Error(`the ONNX Runtime thread failed: ${err.message}`)));
    worker.on("exit", (code) => fail(new Error(`the ONNX Runtime thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) p.resolve(reply);
    else p.reject(new Error(reply.message));
  }
}

interface Binding {
  worker: Worker;
  session: number;
  inputNames: readonly string[];
  outputNames: readonly string[];
}

/** A session on the ONNX Runtime thread; should that thread have died, the next run opens it again on a new one. */
class RemoteSession implements OrtSession {
  private binding: Promise<Binding>;

  constructor(
    private readonly thread: OrtThread,
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

  async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    let binding = await this.binding;
    if (!this.thread.isCurrent(binding.worker)) binding = await (this.binding = this.thread.openOnWorker(this.model, this.options));
    const wire: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(feeds)) wire[name] = { type: t.type, dims: t.dims, data: ownedCopy(t.data) };
    const reply = await this.thread.call(binding.worker, { op: "run", session: binding.session, feeds: wire }, transferList(wire));
    const out: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(reply.outputs ?? {})) out[name] = new ort.Tensor(t.type, t.data as Float32Array, t.dims);
    return out;
  }

  async release(): Promise<void> {
    const binding = await this.binding.catch(() => null);
    if (binding && this.thread.isCurrent(binding.worker)) await this.thread.call(binding.worker, { op: "release", session: binding.session }).catch(() => undefined);
  }
}
