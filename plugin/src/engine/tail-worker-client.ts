/**
 * The page's side of the tail worker (tail-worker.ts): one request at a time per call, answered
 * by id; buffers handed to the worker are transferred (the caller gives up its copy).
 */
import type { RenderAnswer, TailWorkerMessage, TailWorkerReply, TailWorkerRequest } from "./tail-worker-protocol";

interface WorkerLike {
  postMessage(message: TailWorkerMessage, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent<TailWorkerReply>) => void): void;
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

export class TailWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (answer: RenderAnswer | null) => void; reject: (err: Error) => void }>();
  private broken: Error | null = null;

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener("message", (event) => {
      const reply = event.data;
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.answer);
      else waiter.reject(new Error(reply.message));
    });
    // a worker that fails to start (its script missing) fails everything waiting on it
    worker.addEventListener("error", (event) => {
      this.broken = new Error(`the preview worker stopped: ${event.message || "its script did not load"}`);
      for (const waiter of this.waiting.values()) waiter.reject(this.broken);
      this.waiting.clear();
    });
  }

  /** The worker at `scriptUrl` with ONNX Runtime Web loaded from `ortUrl`. */
  static async start(scriptUrl: string, ortUrl: string): Promise<TailWorker> {
    const worker = new TailWorker(new Worker(scriptUrl) as unknown as WorkerLike);
    await worker.call({ kind: "init", ortUrl });
    return worker;
  }

  call(request: TailWorkerRequest, transfer: Transferable[] = []): Promise<RenderAnswer | null> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  async render(request: Extract<TailWorkerRequest, { kind: "render" }>): Promise<RenderAnswer> {
    const answer = await this.call(request);
    if (!answer) throw new Error("the preview worker answered a render with nothing");
    return answer;
  }

  terminate(): void {
    this.worker.terminate();
  }
}
