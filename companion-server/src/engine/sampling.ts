/**
 * Feature sources for the solvers: feature maps held in memory, or streamed from a generator's
 * head in batches so that N·C·H·W never has to fit in memory at once.
 */
import { Generator } from "../runtime/generator";
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
 * re-runs the head, `headBatch` latents at a time; sample i is the same whatever the batch sizes.
 * Latents are drawn as each chunk needs them (a pass visits batches in order), and every chunk
 * waits for the head, so a pass over many samples never holds the event loop for long.
 */
export function sampleFeatures(generator: Generator, layerId: string, count: number, seed: number, headBatch = 16): FeatureSource {
  const layer = generator.layer(layerId);
  const [channels, height, width] = layer.shape;
  const shape: FeatureShape = { channels, height, width };
  const size = sampleSize(shape);
  if (!Number.isInteger(count) || count < 1) throw new Error(`feature count must be a positive integer, got ${count}`);
  const { distribution, size: latentSize } = generator.manifest.latent;
  const chunk = Math.max(1, Math.floor(headBatch));

  const features = async (latents: LatentStream, n: number): Promise<Float32Array> => {
    const out = new Float32Array(n * size);
    for (let done = 0; done < n; done += chunk) {
      const m = Math.min(chunk, n - done);
      const batch = await generator.head(layer.id, latents.next(m * latentSize), m, 1);
      out.set(batch.features, done * size);
    }
    return out;
  };

  return {
    shape,
    count,
    async forEachBatch(batchSize, visit) {
      const step = Math.max(1, Math.floor(batchSize));
      const latents = new LatentStream(distribution, seed);
      for (let offset = 0; offset < count; offset += step) {
        const n = Math.min(step, count - offset);
        await visit(await features(latents, n), n, offset);
      }
    },
  };
}

const measuredHeads = new WeakMap<Generator, Map<string, number>>();

/**
 * Seconds per sample of the generator's head at a layer, measured once per generator and layer on
 * a small batch (after a warm-up run, which also opens the session the sampling will use).
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
  await generator.head(layerId, latents.subarray(0, generator.manifest.latent.size), 1, 1);
  const start = performance.now();
  await generator.head(layerId, latents, batch, 1);
  const seconds = (performance.now() - start) / 1000 / batch;
  if (!measuredHeads.has(generator)) measuredHeads.set(generator, new Map());
  measuredHeads.get(generator)!.set(layerId, seconds);
  return seconds;
}
