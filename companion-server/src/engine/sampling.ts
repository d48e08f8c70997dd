/**
 * Feature sources for the solvers: feature maps held in memory, or streamed from a generator's
 * head in batches so that N·C·H·W never has to fit in memory at once.
 */
import { DedicatedHead, Generator } from "../runtime/generator";
import { releaseNow } from "../util/release-memory";
import { LatentStream, sampleLatents } from "../runtime/random";
import { FeatureShape, FeatureSource } from "./panda/types";

function sampleSize(shape: FeatureShape): number {
  return shape.channels * shape.height * shape.width;
}

/** N feature maps already in memory (N·C·H·W values); batches are views, not copies. */
export function inMemoryFeatures(data: Float32Array, shape: FeatureShape, count: number): FeatureSource {
  const size = sampleSize(shape);
  if (!Number.isInteger(count) || count < 1) throw new Error(`feature count must be a positive integer, got ${count}`);
  if (data.length !== count * size) throw new Error(`${count} feature maps of ${shape.channels}×${shape.height}×${shape.width} need ${count * size} values, got ${data.length}`);
  return {
    shape,
    count,
    inMemory: true,
    async forEachBatch(batchSize, visit) {
      const step = Math.max(1, Math.floor(batchSize));
      for (let offset = 0; offset < count; offset += step) {
        const n = Math.min(step, count - offset);
        await visit(data.subarray(offset * size, (offset + n) * size), n, offset);
      }
    },
  };
}

/**
 * `count` feature maps at `layerId` of latents drawn from the bundle's distribution with one seed
 * (truncation 1: the factorisation should see the generator's real distribution). Every pass
 * re-runs the head, `headBatch` latents at a time (default: headBatchFor the layer), on a session
 * opened for the pass and released after it; sample i is the same whatever the batch sizes.
 * Latents are drawn as each chunk needs them (a pass visits batches in order), and every chunk
 * waits for the head, so a pass over many samples never holds the event loop for long.
 */
export function sampleFeatures(generator: Generator, layerId: string, count: number, seed: number, headBatch?: number): FeatureSource {
  const layer = generator.layer(layerId);
  const [channels, height, width] = layer.shape;
  const shape: FeatureShape = { channels, height, width };
  headBatch ??= headBatchFor(shape);
  const size = sampleSize(shape);
  if (!Number.isInteger(count) || count < 1) throw new Error(`feature count must be a positive integer, got ${count}`);
  const { distribution, size: latentSize } = generator.manifest.latent;
  const chunk = Math.max(1, Math.floor(headBatch));

  const features = async (head: DedicatedHead, latents: LatentStream, out: Float32Array, n: number): Promise<Float32Array> => {
    for (let done = 0; done < n; done += chunk) {
      const m = Math.min(chunk, n - done);
      const batch = await head.head(latents.next(m * latentSize), m, 1);
      out.set(batch.features, done * size);
      // the head's answer is a buffer of its own (ort-thread.ts), read only here: freed now rather
      // than at V8's next collection, which let hundreds of megabytes of them pile up
      releaseNow(batch.features.buffer);
    }
    return out.subarray(0, n * size);
  };

  return {
    shape,
    count,
    async forEachBatch(batchSize, visit) {
      const step = Math.max(1, Math.floor(batchSize));
      const latents = new LatentStream(distribution, seed);
      // One buffer for the whole pass: a batch is valid during its visit (as every source's are).
      const out = new Float32Array(Math.min(step, count) * size);
      // A head of the pass's own, released after it (see Generator.openHead).
      const head = await generator.openHead(layer.id);
      try {
        for (let offset = 0; offset < count; offset += step) {
          const n = Math.min(step, count - offset);
          await visit(await features(head, latents, out, n), n, offset);
        }
      } finally {
        await head.release();
      }
    },
  };
}

/**
 * Latents per run of the head: about 2 MB of features (1 to 16 samples). ONNX Runtime's arena
 * keeps the largest run's activations for the session's life, and a StyleGAN head's modulated
 * convolutions hold a C×C×3×3 weight per sample (9 MB at 512 channels): at 16 samples a 64×64
 * head kept more than a gigabyte after sampling, and at 32×32 four samples kept 100 MB more than
 * one, for the same CPU time per sample (0.08 s).
 */
export function headBatchFor(shape: FeatureShape): number {
  return Math.max(1, Math.min(16, Math.floor((2 << 20) / (sampleSize(shape) * 4))));
}

const measuredHeads = new WeakMap<Generator, Map<string, number>>();

/**
 * Seconds per sample of the generator's head at a layer, measured once per generator and layer on
 * a small batch (after a warm-up run).
 * Undefined when the head cannot run: the job itself then fails with the reason.
 */
export async function measureHeadSeconds(generator: Generator, layerId: string, batch = 2): Promise<number | undefined> {
  try {
    return await measureHead(generator, layerId, batch);
  } catch {
    return undefined;
  }
}

async function measureHead(generator: Generator, layerId: string, batch: number): Promise<number> {
  const known = measuredHeads.get(generator)?.get(layerId);
  if (known !== undefined) return known;
  const latents = sampleLatents(generator.manifest.latent.distribution, generator.manifest.latent.size, 0, batch);
  // on a head of its own, as sampling runs it, released after: the generator keeps no arena for it
  const head = await generator.openHead(layerId);
  let seconds: number;
  try {
    await head.head(latents.subarray(0, generator.manifest.latent.size), 1, 1);
    const start = performance.now();
    await head.head(latents, batch, 1);
    seconds = (performance.now() - start) / 1000 / batch;
  } finally {
    await head.release();
  }
  if (!measuredHeads.has(generator)) measuredHeads.set(generator, new Map());
  measuredHeads.get(generator)!.set(layerId, seconds);
  return seconds;
}
