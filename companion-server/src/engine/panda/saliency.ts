/**
 * Saliency of appearances: the coordinates AᵀZ (R_C × S) of one image say where each appearance
 * is present. As in the official notebooks, row c is scaled by that concept's min/max over many
 * samples (stored with the factorisation), upsampled to image size (the notebooks use Lanczos; the
 * product adds the edge-aware guided filter), and thresholded at the concept's mean over all
 * samples and positions.
 */
import { Factors } from "./types";
import { resizeBilinear, Size, SpatialMap } from "./maps";
import { Upsample } from "./masks";

/** Per appearance, over the samples the factorisation saw (arrays of length R_C). */
export interface SaliencyStats {
  samples: number;
  min: number[];
  max: number[];
  mean: number[];
}

/** AᵀZ for one image: `features` is C·S values, the result R_C·S (row c = appearance c). */
export function coordinates(factors: Factors, features: Float32Array): Float32Array {
  const { channels, height, width } = factors.shape;
  const s = height * width;
  const r = factors.appearancesRank;
  const a = factors.appearances;
  const y = new Float32Array(r * s);
  // c outermost so both A's row and Z's row are read contiguously.
  for (let c = 0; c < channels; c++) {
    const zRow = c * s;
    for (let k = 0; k < r; k++) {
      const w = a[c * r + k];
      if (w === 0) continue;
      const yRow = k * s;
      for (let i = 0; i < s; i++) y[yRow + i] += w * features[zRow + i];
    }
  }
  return y;
}

/** Accumulates min, max and mean of every row of AᵀZ_i over samples. */
export class SaliencyAccumulator {
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly sum: Float64Array;
  private samples = 0;

  constructor(private readonly factors: Factors) {
    const r = factors.appearancesRank;
    this.min = new Float64Array(r).fill(Infinity);
    this.max = new Float64Array(r).fill(-Infinity);
    this.sum = new Float64Array(r);
  }

  /** Adds one sample's coordinates (from `coordinates`). */
  add(coords: Float32Array): void {
    const r = this.factors.appearancesRank;
    const s = coords.length / r;
    const min = new Float64Array(r);
    const max = new Float64Array(r);
    const mean = new Float64Array(r);
    for (let k = 0; k < r; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      for (let i = k * s; i < (k + 1) * s; i++) {
        const v = coords[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        sum += v;
      }
      [min[k], max[k], mean[k]] = [lo, hi, sum / s];
    }
    this.addSummary(min, max, mean);
  }

  /** Adds one sample from its per-appearance min, max and mean over positions (R_C values each). */
  addSummary(min: ArrayLike<number>, max: ArrayLike<number>, mean: ArrayLike<number>): void {
    for (let k = 0; k < this.factors.appearancesRank; k++) {
      this.min[k] = Math.min(this.min[k], min[k]);
      this.max[k] = Math.max(this.max[k], max[k]);
      this.sum[k] += mean[k];
    }
    this.samples++;
  }

  result(): SaliencyStats {
    if (this.samples === 0) throw new Error("saliency statistics need at least one sample");
    return { samples: this.samples, min: [...this.min], max: [...this.max], mean: [...this.sum].map((v) => v / this.samples) };
  }
}

/** Maps a raw coordinate of appearance c into [0, 1] with the stored statistics (clamped). */
export function normaliser(stats: SaliencyStats, c: number): (v: number) => number {
  const lo = stats.min[c];
  const range = stats.max[c] - lo;
  return range > 0 ? (v) => Math.min(1, Math.max(0, (v - lo) / range)) : () => 0;
}

/** The notebooks' threshold for appearance c, on the normalised scale. */
export function saliencyThreshold(stats: SaliencyStats, c: number): number {
  return normaliser(stats, c)(stats.mean[c]);
}

/** Appearance c's normalised saliency at feature resolution. */
export function saliencyAtFeatures(coords: Float32Array, factors: Factors, stats: SaliencyStats, c: number): SpatialMap {
  const { height, width } = factors.shape;
  const s = height * width;
  const norm = normaliser(stats, c);
  const data = new Float32Array(s);
  for (let i = 0; i < s; i++) data[i] = norm(coords[c * s + i]);
  return { width, height, data };
}

/** Appearance c's normalised saliency at feature resolution and its threshold: what `saliencyAtImageSize` takes to image size. */
export interface FeatureSaliency {
  atFeatures: SpatialMap;
  threshold: number;
}

export interface Saliency {
  /** normalised heat map in [0, 1] at image size */
  heat: SpatialMap;
  /** 0/1 where the heat reaches the threshold */
  mask: SpatialMap;
  threshold: number;
}

/** `upsample` takes the normalised map to image size (default bilinear); the heat is clamped to [0, 1]. */
export function saliency(coords: Float32Array, factors: Factors, stats: SaliencyStats, c: number, size: Size, upsample: Upsample = (m) => resizeBilinear(m, size)): Saliency {
  return saliencyAtImageSize(saliencyAtFeatures(coords, factors, stats, c), saliencyThreshold(stats, c), upsample);
}

/** The image-size half of `saliency` (what the server's imaging threads run): a normalised feature-resolution map upsampled, clamped and thresholded. */
export function saliencyAtImageSize(atFeatures: SpatialMap, threshold: number, upsample: Upsample): Saliency {
  const heat = upsample(atFeatures);
  for (let i = 0; i < heat.data.length; i++) heat.data[i] = Math.min(1, Math.max(0, heat.data[i]));
  const mask = { width: heat.width, height: heat.height, data: heat.data.map((v) => (v >= threshold ? 1 : 0)) };
  return { heat, mask, threshold };
}
