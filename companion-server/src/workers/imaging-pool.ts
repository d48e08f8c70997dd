/**
 * The server's imaging threads: per-request pixel maths (imaging-worker.ts) off the event loop,
 * so that /api/health and every other request keep answering while 24 refined masks or a 1024-px
 * image are being computed. The tasks of one image always go to the same thread, which keeps what
 * it computed (part maps, guide statistics); others go to the thread with the fewest waiting. A thread
 * that dies is replaced; a task it held is sent once more to the fresh one, and if that one dies
 * too the caller gets the WorkerStoppedError (503 at the API). Inputs are cloned, except buffers
 * made for the task, which are handed over.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Dispatch, WorkerCalls, WorkerStoppedError } from "../runtime/worker-calls";
import { RgbaImage } from "../runtime/image-codec";
import { Matrix } from "../engine/tensor/matrix";
import { Factors, PartFactors } from "../engine/panda/types";
import { SaliencyStats } from "../engine/panda/saliency";
import { Size, SpatialMap } from "../engine/panda/maps";
import { IMAGING_OPS, ImageOp, ImagingOp, ImagingOps, ImagingReply, ImagingRequest } from "./imaging-wire";

/** Half the cores (the ONNX Runtime thread and the server's own want the rest), one to four. */
export function defaultImagingThreads(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
}

/** The factors' values only (a stored factorisation carries more than a thread needs). */
function plainFactors(f: Factors): Factors {
  return { shape: f.shape, partsRank: f.partsRank, appearancesRank: f.appearancesRank, parts: f.parts, appearances: f.appearances };
}

export interface ImagingStats {
  /** threads in the pool */
  threads: number;
  /** tasks answered, per operation */
  tasks: Record<ImagingOp, number>;
  /** the threads that answered them (never the server's own) */
  threadIds: number[];
  /** tasks sent again because their thread died */
  retries: number;
}

/** A task as posted: the request and the buffers made for it, handed over. */
type Message<K extends ImagingOp> = { request: ImagingRequest<K>; transfer?: ArrayBuffer[] };

export class ImagingPool {
  private readonly threads: WorkerCalls[];
  private readonly tasks = Object.fromEntries(IMAGING_OPS.map((op) => [op, 0])) as Record<ImagingOp, number>;
  private readonly answeredBy = new Set<number>();
  private retries = 0;

  constructor(readonly size = defaultImagingThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`an imaging pool needs at least one thread, got ${size}`);
    this.threads = Array.from({ length: size }, (_, i) => new WorkerCalls(join(__dirname, "imaging-worker-entry.js"), `imaging ${i + 1}`));
  }

  /**
   * An operation on one generated image (a mask, part thumbnails, saliency, a region, pixel
   * removal; see ImagingOps). Every task of an image goes to the same thread, which keeps the
   * image's part maps and guide statistics.
   */
  image<K extends ImageOp>(op: K, task: ImagingOps[K]["task"]): Promise<ImagingOps[K]["result"]> {
    return this.run(() => ({ request: { op, ...task } as unknown as ImagingRequest<K> }), task.imageId);
  }

  /** renderContactSheet on a thread: a ContactSheetRenderer. */
  async contactSheet(factors: PartFactors, samples: readonly RgbaImage[], size: Size): Promise<Buffer> {
    const png = await this.run(() => ({ request: { op: "contactSheet", factors: { shape: factors.shape, partsRank: factors.partsRank, parts: factors.parts }, samples, size: { width: size.width, height: size.height } } }));
    return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  }

  /** coordinates (saliency.ts) on a thread: AᵀZ of one image, C·R_C·S multiply-adds. */
  coordinates(factors: Factors, features: Float32Array): Promise<Float32Array> {
    return this.run(() => ({ request: { op: "coordinates", factors: plainFactors(factors), features } }));
  }

  /** removeInFeatures (removal.ts) on a thread: a FeatureRemover. */
  removeInFeatures(factors: Factors, features: Float32Array, coords: Float32Array, stats: SaliencyStats, parts: readonly number[], background: number, refinedParts?: Float32Array): Promise<{ features: Float32Array; region: SpatialMap }> {
    return this.run(() => ({ request: { op: "featureRemoval", factors: plainFactors(factors), features, coords, stats, parts, background, refinedParts } }));
  }

  /** clusterParts (refine.ts) on a thread: a ClusterRunner. */
  clusterParts(coords: Matrix, globalParts: Matrix, iterations: number, centres?: Matrix): Promise<Float32Array> {
    return this.run(() => ({ request: { op: "cluster", coords, globalParts, iterations, centres } }));
  }

  stats(): ImagingStats {
    return { threads: this.size, tasks: { ...this.tasks }, threadIds: [...this.answeredBy], retries: this.retries };
  }

  /** Calls `listener` as each task leaves for a thread (see WorkerCalls.watch); returns the function that stops it. */
  watch(listener: (call: Dispatch) => void): () => void {
    const stops = this.threads.map((t) => t.watch(listener));
    return () => stops.forEach((stop) => stop());
  }

  /** Ends every thread; tasks still waiting fail. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }

  private pick(key?: string): WorkerCalls {
    if (key !== undefined) {
      let hash = 0;
      for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
      return this.threads[hash % this.size];
    }
    return this.threads.reduce((best, t) => (t.waiting < best.waiting ? t : best));
  }

  /** `message` makes the task (again, should its thread die): what to post and which of its buffers to hand over. */
  private async run<K extends ImagingOp>(message: () => Message<K> | Promise<Message<K>>, key?: string): Promise<ImagingOps[K]["result"]> {
    const thread = this.pick(key);
    const once = async () => {
      const { request, transfer } = await message();
      const reply = await thread.call<ImagingReply<K> & { ok: true }>(thread.current(), request, transfer);
      this.tasks[request.op as ImagingOp]++;
      this.answeredBy.add(reply.threadId);
      return reply.result;
    };
    try {
      return await once();
    } catch (err) {
      if (!(err instanceof WorkerStoppedError)) throw err;
      this.retries++;
      return once();
    }
  }
}
