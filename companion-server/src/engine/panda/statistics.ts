/**
 * What a saved factorisation keeps besides P and A: saliency statistics per appearance and the
 * background concept, from one pass over (at most `maxSamples` of) the samples it was fitted on.
 */
import { FeatureSource, Factors } from "./types";
import { coordinates, SaliencyAccumulator, SaliencyStats } from "./saliency";
import { Background, BackgroundAccumulator } from "./removal";

/** The official notebooks scale saliency by the min/max over 500 samples. */
export const SALIENCY_SAMPLES = 500;

export interface FactorStatistics {
  saliency: SaliencyStats;
  background: Background;
}

/** Thrown inside the visitor to stop reading once enough samples were seen. */
class Enough extends Error {}

export async function collectStatistics(source: FeatureSource, factors: Factors, maxSamples = SALIENCY_SAMPLES): Promise<FactorStatistics> {
  const { channels, height, width } = factors.shape;
  const per = channels * height * width;
  const sal = new SaliencyAccumulator(factors);
  const bg = new BackgroundAccumulator(factors);
  let seen = 0;
  try {
    await source.forEachBatch(Math.min(64, maxSamples), (batch, count) => {
      for (let i = 0; i < count && seen < maxSamples; i++, seen++) {
        const coords = coordinates(factors, batch.subarray(i * per, (i + 1) * per));
        sal.add(coords);
        bg.add(coords);
      }
      if (seen >= maxSamples) throw new Enough();
    });
  } catch (err) {
    if (!(err instanceof Enough)) throw err;
  }
  const saliency = sal.result();
  return { saliency, background: bg.result(saliency) };
}
