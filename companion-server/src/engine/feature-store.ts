/**
 * Sample once: a factorisation reads its samples many times (Grams, solver rounds, objective,
 * saliency statistics), and drawing them through the generator's head costs minutes at StyleGAN
 * size. `storeFeatures` reads a streamed source one time into memory, or — when N·C·H·W float32
 * values exceed the memory budget — into a temporary file, which every later pass reads back in
 * batches with positioned reads (the OS page cache keeps what fits). The file is removed by
 * `dispose()`, which also hands samples kept in memory back to the system at once (see
 * util/release-memory.ts); callers dispose in a `finally`, so a cancelled or failed job leaves
 * nothing behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open, FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inMemoryFeatures } from "./sampling";
import { releaseNow } from "../util/release-memory";
import { copyInSlices } from "../util/sliced-copy";
import { throwIfCancelled } from "./panda/cancellation";
import { passBatchSize } from "./panda/passes";
import { FeatureShape, FeatureSource } from "./panda/types";

/** Default bytes of features held in memory; above it they go to a temporary file. */
export const DEFAULT_FEATURE_MEMORY_BUDGET = 1 << 30;

export function featureBytes(shape: FeatureShape, count: number): number {
  return count * shape.channels * shape.height * shape.width * 4;
}

export interface StoredFeatures extends FeatureSource {
  /** where the samples are kept */
  location: "memory" | "disk";
  /** the temporary file when on disk */
  file: string | null;
  /** removes the temporary file, or hands the memory back at once (views of it become empty); idempotent */
  dispose(): Promise<void>;
}

export interface StoreOptions {
  /** bytes of features that may be held in memory (default 1 GiB; 0: always on disk) */
  memoryBudget?: number;
  /** folder for the temporary file (default: the system's temp folder) */
  tempDir?: string;
  signal?: AbortSignal;
  /** after each batch, with the samples drawn so far */
  onSample?: (done: number, total: number) => void;
}

/** Positioned reads may return less than asked for: read until `bytes` are in. */
async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let got = 0; got < into.length; ) {
    const { bytesRead } = await handle.read(into, got, into.length - got, position + got);
    if (bytesRead === 0) throw new Error(`the features file ended ${into.length - got} bytes early`);
    got += bytesRead;
  }
}

/** A source that is already stored (in memory or on disk) is returned as it is. */
export async function storeFeatures(source: FeatureSource, options: StoreOptions = {}): Promise<StoredFeatures> {
  if (isStored(source)) return source;
  if (source.inMemory) return { ...source, location: "memory", file: null, dispose: async () => {} } as StoredFeatures;
  const budget = options.memoryBudget ?? DEFAULT_FEATURE_MEMORY_BUDGET;
  const bytes = featureBytes(source.shape, source.count);
  return bytes <= budget ? storeInMemory(source, options) : storeOnDisk(source, options);
}

export function isStored(source: FeatureSource): source is StoredFeatures {
  return "location" in source && "dispose" in source;
}

async function storeInMemory(source: FeatureSource, options: StoreOptions): Promise<StoredFeatures> {
  const size = source.shape.channels * source.shape.height * source.shape.width;
  const data = new Float32Array(source.count * size);
  try {
    await source.forEachBatch(passBatchSize(source.shape), async (batch, n, offset) => {
      throwIfCancelled(options.signal);
      await copyInSlices(data, batch, offset * size);
      options.onSample?.(offset + n, source.count);
    });
  } catch (err) {
    releaseNow(data.buffer);
    throw err;
  }
  return { ...inMemoryFeatures(data, source.shape, source.count), location: "memory", file: null, dispose: async () => releaseNow(data.buffer) };
}

async function storeOnDisk(source: FeatureSource, options: StoreOptions): Promise<StoredFeatures> {
  const dir = mkdtempSync(join(options.tempDir ?? tmpdir(), "panda-features-"));
  const file = join(dir, "features.f32");
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const sampleBytes = source.shape.channels * source.shape.height * source.shape.width * 4;
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, "w+");
    const writer = handle;
    await source.forEachBatch(passBatchSize(source.shape), async (batch, n, offset) => {
      throwIfCancelled(options.signal);
      await writer.write(new Uint8Array(batch.buffer, batch.byteOffset, n * sampleBytes), 0, n * sampleBytes, offset * sampleBytes);
      options.onSample?.(offset + n, source.count);
    });
  } catch (err) {
    await handle?.close();
    remove();
    throw err;
  }
  const reader = handle;
  let disposed = false;
  return {
    shape: source.shape,
    count: source.count,
    location: "disk",
    file,
    async forEachBatch(batchSize, visit) {
      if (disposed) throw new Error("the stored features were disposed");
      const step = Math.max(1, Math.floor(batchSize));
      // One buffer for the whole pass, valid during each visit (as a FeatureSource's batches are):
      // first touching fresh memory cost more than reading the batch into it (~5 ms per MB on a VM).
      const buffer = new Float32Array((Math.min(step, source.count) * sampleBytes) / 4);
      for (let offset = 0; offset < source.count; offset += step) {
        const n = Math.min(step, source.count - offset);
        const data = buffer.subarray(0, (n * sampleBytes) / 4);
        await readFully(reader, new Uint8Array(data.buffer, 0, data.byteLength), offset * sampleBytes);
        await visit(data, n, offset);
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await reader.close();
      remove();
    },
  };
}
