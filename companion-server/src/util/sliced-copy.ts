/**
 * Copies of large typed arrays that let the event loop in between: a fit's batches are 8 MiB and
 * more, and one copy of that (with the first touch of fresh pages) held the server's thread for
 * tens of milliseconds on a busy machine, /api/health waiting behind it.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Bytes copied per turn of the event loop. */
export const COPY_SLICE_BYTES = 2 << 20;

type Numeric = Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | Int8Array | Int16Array | Uint16Array;

/** A copy of `source` in a buffer of its own: at once when small, else a slice per turn of the event loop. */
export async function copyOf(source: Float32Array): Promise<Float32Array>;
export async function copyOf(source: Uint8Array): Promise<Uint8Array>;
export async function copyOf(source: Float32Array | Uint8Array): Promise<Float32Array | Uint8Array> {
  if (source.byteLength <= COPY_SLICE_BYTES) return source.slice();
  const copy = source instanceof Float32Array ? new Float32Array(source.length) : new Uint8Array(source.length);
  await copyInSlices(copy, source);
  return copy;
}

/** `source` into `target` from element `at` on, one slice per turn of the event loop. */
export async function copyInSlices<T extends Numeric>(target: T, source: T, at = 0): Promise<void> {
  const step = Math.max(1, Math.floor(COPY_SLICE_BYTES / source.BYTES_PER_ELEMENT));
  for (let i = 0; i < source.length; i += step) {
    if (i > 0) await nextTurn();
    target.set(source.subarray(i, i + step) as never, at + i);
  }
}
