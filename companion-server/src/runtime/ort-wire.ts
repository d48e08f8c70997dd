/**
 * The messages between the server's thread and its ONNX Runtime thread (ort-thread.ts,
 * ort-worker.ts): tensors travel as their type, dims and a buffer of their own, transferred
 * rather than copied.
 */
import type * as ort from "onnxruntime-node";
import type { SymmetricEigen } from "../engine/tenalg/symmetric-eigen";
import { copyInSlices, copyOf } from "../util/sliced-copy";
import type { FeedBuffers } from "./feed-buffers";

export interface WireTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
}

export type WorkerRequest =
  | { op: "open"; id: number; session: number; model: string | Uint8Array; options: ort.InferenceSession.SessionOptions }
  /** `then`: sessions run after it on this thread, each fed the outputs before it by name; the last one's outputs are the answer */
  | { op: "run"; id: number; session: number; feeds: Record<string, WireTensor>; then?: number[] }
  | { op: "release"; id: number; session: number }
  | { op: "eigen"; id: number; values: Float32Array | Float64Array; n: number };

export type WorkerReply =
  | {
      id: number;
      ok: true;
      inputNames?: readonly string[];
      outputNames?: readonly string[];
      outputs?: Record<string, WireTensor>;
      /** a run's feed buffers, handed back for the next run's feeds (see feed-buffers.ts) */
      feedBuffers?: ArrayBuffer[];
      eigen?: SymmetricEigen;
    }
  | { id: number; ok: false; message: string };

/** The buffers to transfer with these tensors (each one owns its buffer whole, see ownedCopy). */
export function transferList(tensors: Record<string, WireTensor>): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of Object.values(tensors)) if (typeof t.data === "object" && ArrayBuffer.isView(t.data)) list.push(t.data.buffer as ArrayBuffer);
  return list;
}

/**
 * A tensor's data in a buffer of its own. A view is copied: it may be a window into a much larger
 * buffer (a chunk of the feature store) that the caller keeps, and posting it would clone the
 * whole buffer or, transferred, take it from the caller. Large ones are copied a slice per turn
 * of the event loop; float32 data into a buffer from `buffers` (already touched pages) where given.
 */
export async function ownedCopy(data: ort.Tensor.DataType, buffers?: FeedBuffers): Promise<ort.Tensor.DataType> {
  if (!ArrayBuffer.isView(data)) return data;
  if (!(data instanceof Float32Array)) return data.slice() as ort.Tensor.DataType;
  if (!buffers) return copyOf(data);
  const copy = new Float32Array(buffers.take(data.byteLength));
  await copyInSlices(copy, data);
  return copy;
}
