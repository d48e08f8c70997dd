/**
 * Feature sources for the solvers: feature maps held in memory, or streamed from a generator's
 * head in batches so that N·C·H·W never has to fit in memory at once.
 */
import { Generator } from "../runtime/generator";
import { LatentStream } from "../runtime/random";
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

/** One pass over `source` into memory (N·C·H·W float32 values); `onBatch` gets the samples done. */
export async function materialize(source: FeatureSource, batchSize: number, onBatch?: (done: number) => void): Promise<FeatureSource> {
  if (source.inMemory) return source;
  const size = sampleSize(source.shape);
  const data = new Float32Array(source.count * size);
  await source.forEachBatch(batchSize, (batch, n, offset) => {
    data.set(batch, offset * size);
    onBatch?.(offset + n);
  });
  return inMemoryFeatures(data, source.shape, source.count);
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
