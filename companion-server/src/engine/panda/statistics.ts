/**
 * What a saved factorisation keeps besides P and A: saliency statistics per appearance, the
 * background concept and the parts' directions, from one pass over (at most `maxSamples` of) the
 * samples it was fitted on. The per-sample products (AᵀZ_i and its reductions over positions) run
 * on the tensor backend, so in ONNX Runtime for a fit; only R_C numbers per sample, and R_C·S per
 * batch, come back to TypeScript.
 */
import { TensorBackend } from "../tensor/backend";
import { matrix } from "../tensor/matrix";
import { TypeScriptBackend } from "../tensor/typescript-backend";
import { throwIfCancelled } from "./cancellation";
import { passBatchSize } from "./passes";
import { FeatureSource, Factors } from "./types";
import { SaliencyAccumulator, SaliencyStats } from "./saliency";
import { Background, BackgroundAccumulator } from "./removal";

/** The official notebooks scale saliency by the min/max over 500 samples. */
export const SALIENCY_SAMPLES = 500;

export interface FactorStatistics {
  saliency: SaliencyStats;
  background: Background;
  /** R_C·R_S: each part's direction in the coordinates AᵀZ (partDirections) */
  partCentres: Float32Array;
}

/**
 * Each part's typical appearance, as a direction in the coordinates AᵀZ: the sum over samples and
 * positions of the coordinate vectors at unit length, weighted by the part (`partSums`, see
 * CoordinateSummaries), scaled to unit length (R_C·R_S, row = coordinate). Per-image refinement
 * assigns an image's positions to the part whose direction they are closest to (cluster-parts.ts):
 * fixed directions from all the samples, where directions re-estimated from the one image drifted
 * to its dominant regions (eval:parts).
 */
export function partDirections(partSums: Float64Array, appearancesRank: number, partsRank: number): Float32Array {
  const out = new Float32Array(appearancesRank * partsRank);
  for (let k = 0; k < partsRank; k++) {
    const column = Array.from({ length: appearancesRank }, (_, c) => partSums[c * partsRank + k]);
    const norm = Math.hypot(...column);
    for (let c = 0; c < appearancesRank; c++) out[c * partsRank + k] = norm > 0 ? column[c] / norm : 0;
  }
  return out;
}

export interface StatisticsOptions {
  backend?: TensorBackend;
  maxSamples?: number;
  signal?: AbortSignal;
  /** after each batch, with the samples seen and the samples that will be seen */
  onBatch?: (done: number, total: number) => void;
}

/** Thrown inside the visitor to stop reading once enough samples were seen. */
class Enough extends Error {}

export async function collectStatistics(source: FeatureSource, factors: Factors, options: StatisticsOptions = {}): Promise<FactorStatistics> {
  const backend = options.backend ?? new TypeScriptBackend();
  const total = Math.min(source.count, options.maxSamples ?? SALIENCY_SAMPLES);
  const { channels, height, width } = factors.shape;
  const r = factors.appearancesRank;
  const appearances = matrix(channels, r, factors.appearances);
  const parts = matrix(height * width, factors.partsRank, factors.parts);
  const sal = new SaliencyAccumulator(factors);
  const bg = new BackgroundAccumulator(factors);
  const partSums = new Float64Array(r * factors.partsRank);
  let seen = 0;
  try {
    await source.forEachBatch(Math.min(passBatchSize(factors.shape), total), async (batch, count) => {
      throwIfCancelled(options.signal);
      const n = Math.min(count, total - seen);
      const view = { data: batch.subarray(0, n * channels * height * width), count: n, channels, positions: height * width };
      const sums = await backend.coordinateSummaries(view, appearances, bg.weights, parts);
      for (let i = 0; i < n; i++) {
        const at = (values: Float32Array) => values.subarray(i * r, (i + 1) * r);
        sal.addSummary(at(sums.min), at(sums.max), at(sums.mean));
        bg.addInside(at(sums.weighted));
      }
      sums.partSums.forEach((v, j) => (partSums[j] += v));
      seen += n;
      options.onBatch?.(seen, total);
      if (seen >= total) throw new Enough();
    });
  } catch (err) {
    if (!(err instanceof Enough)) throw err;
  }
  const saliency = sal.result();
  return { saliency, background: bg.result(saliency), partCentres: partDirections(partSums, r, factors.partsRank) };
}
