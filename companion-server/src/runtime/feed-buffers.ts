/**
 * Buffers for the feeds that travel to the ONNX Runtime thread, used again and again. Every run's
 * feeds are copied into buffers of their own and transferred (ort-wire.ts); a fresh buffer each
 * time meant first-touching its pages on every run (about 5 ms of CPU per MB on a VM: a fifth of
 * a second for each 32 MB batch, seconds per pass over a fit's samples, and most of the reference
 * solver's time at 64×64). The thread hands each run's feed buffers back with its answer and the
 * next run of the same size copies into them. onnxruntime-node refuses tensors on a
 * SharedArrayBuffer, so a pool of transferred buffers is the way to reuse them.
 */
import { releaseNow } from "../util/release-memory";

export class FeedBuffers {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private bytes = 0;

  /**
   * @param maxBytes bytes kept between runs at most (beyond, buffers go back to the system)
   * @param perSize buffers of one size kept at most (runs are one at a time: one or two suffice)
   */
  constructor(
    readonly maxBytes = 64 << 20,
    readonly perSize = 2,
  ) {}

  /** Bytes held for reuse now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** A buffer of exactly `byteLength` bytes: one handed back earlier, or a new one. */
  take(byteLength: number): ArrayBuffer {
    const kept = this.free.get(byteLength);
    const buffer = kept?.pop();
    if (!buffer) return new ArrayBuffer(byteLength);
    if (kept!.length === 0) this.free.delete(byteLength);
    this.bytes -= byteLength;
    return buffer;
  }

  /** Keeps `buffer` for a later `take` of its size, or releases it when the pool is full. */
  give(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    if (size === 0) return;
    const kept = this.free.get(size) ?? [];
    if (kept.length >= this.perSize || this.bytes + size > this.maxBytes) {
      releaseNow(buffer);
      return;
    }
    kept.push(buffer);
    this.free.set(size, kept);
    this.bytes += size;
  }

  /** Releases every buffer held. */
  clear(): void {
    for (const kept of this.free.values()) for (const buffer of kept) releaseNow(buffer);
    this.free.clear();
    this.bytes = 0;
  }
}
