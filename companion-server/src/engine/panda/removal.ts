/**
 * Part removal, both ways the paper and the demo offer:
 * (a) feature space, "context-aware": inside the part, the image's coordinates along A are
 *     replaced by its typical background coordinates (a weighted mean over the positions where
 *     the background concept is present), so the tail paints background there;
 * (b) pixel space: the part's pixels are made transparent or filled with the background colour.
 * The background concept (an appearance) is found automatically when a factorisation is saved:
 * the part with most of its mass on the border is the background part, and the appearance most
 * specifically present inside it (over the samples, on the normalised saliency scale, compared
 * with its presence everywhere) is the background concept. Requests may name another.
 */
import { Factors } from "./types";
import { borderShare, partColumn, SpatialMap } from "./maps";
import { normaliser, saliencyAtFeatures, SaliencyStats } from "./saliency";
import { editRegion } from "./edits";
import type { RgbaImage } from "../imaging/rgba";

export interface Background {
  /** the part with most border mass */
  part: number;
  /** the appearance most present in that part: the background concept */
  appearance: number;
}

/** The part whose column of P has the largest share of its mass on the feature map's border. */
export function borderPart(factors: Factors): number {
  let best = 0;
  let bestShare = -1;
  for (let k = 0; k < factors.partsRank; k++) {
    const share = borderShare(partColumn(factors, k));
    if (share > bestShare) {
      bestShare = share;
      best = k;
    }
  }
  return best;
}

/** Sums, over samples, each appearance's mean coordinate inside the border part (weighted by p̂). */
export class BackgroundAccumulator {
  readonly part: number;
  /** p̂ of the border part divided by its sum: Σ_s weights_s·y_s is a coordinate's mean inside the part */
  readonly weights: Float32Array;
  private readonly sum: Float64Array;
  private samples = 0;

  constructor(private readonly factors: Factors) {
    this.part = borderPart(factors);
    const region = editRegion(factors, [this.part]).data;
    const total = region.reduce((a, b) => a + b, 0) || 1;
    this.weights = region.map((v) => v / total);
    this.sum = new Float64Array(factors.appearancesRank);
  }

  add(coords: Float32Array): void {
    const s = this.weights.length;
    const inside = new Float64Array(this.factors.appearancesRank);
    for (let k = 0; k < inside.length; k++) {
      let acc = 0;
      for (let i = 0; i < s; i++) acc += this.weights[i] * coords[k * s + i];
      inside[k] = acc;
    }
    this.addInside(inside);
  }

  /** Adds one sample from Σ_s weights_s·y_s per appearance (R_C values). */
  addInside(inside: ArrayLike<number>): void {
    for (let k = 0; k < this.factors.appearancesRank; k++) this.sum[k] += inside[k];
    this.samples++;
  }

  /**
   * The background concept: the appearance whose presence inside the border part most exceeds
   * its presence everywhere (both on the normalised saliency scale), so that a concept that is
   * simply strong everywhere does not win.
   */
  result(stats: SaliencyStats): Background {
    let appearance = 0;
    let best = -Infinity;
    for (let k = 0; k < this.factors.appearancesRank; k++) {
      const norm = normaliser(stats, k);
      const contrast = norm(this.sum[k] / Math.max(1, this.samples)) - norm(stats.mean[k]);
      if (contrast > best) {
        best = contrast;
        appearance = k;
      }
    }
    return { part: this.part, appearance };
  }
}

/**
 * Where to remove, at feature resolution: 1 at positions the chosen parts win (argmax over
 * all parts), the soft p̂ elsewhere, so the part's core is replaced fully and its rim blends.
 */
export function removalRegion(factors: Factors, parts: readonly number[], refinedParts?: Float32Array): SpatialMap {
  const soft = editRegion(factors, parts, refinedParts);
  const columns = Array.from({ length: factors.partsRank }, (_, k) => partColumn(factors, k, refinedParts).data);
  const chosen = new Set(parts);
  const data = soft.data.slice();
  for (let i = 0; i < data.length; i++) {
    let winner = 0;
    for (let k = 1; k < columns.length; k++) if (columns[k][i] > columns[winner][i]) winner = k;
    if (chosen.has(winner)) data[i] = 1;
  }
  return { width: soft.width, height: soft.height, data };
}

/** Weights of the background outside the region: the concept's saliency, or plain outside if it is absent there. */
function backgroundWeights(presence: Float32Array, region: Float32Array): Float32Array {
  const w = presence.map((v, i) => v * (1 - region[i]));
  if (w.some((v) => v > 1e-6)) return w;
  const outside = region.map((m) => 1 - m);
  return outside.some((v) => v > 1e-6) ? outside : outside.fill(1);
}

/**
 * Feature-space removal for one image: features (C·S) and their coordinates AᵀZ (R_C·S) in,
 * Z' out, with Z'[:, s] = Z[:, s] + m(s)·A(ȳ − AᵀZ[:, s]).
 */
export function removeInFeatures(
  factors: Factors,
  features: Float32Array,
  coords: Float32Array,
  stats: SaliencyStats,
  parts: readonly number[],
  backgroundAppearance: number,
  refinedParts?: Float32Array,
): { features: Float32Array; region: SpatialMap } {
  const { channels, height, width } = factors.shape;
  const s = height * width;
  const r = factors.appearancesRank;
  const region = removalRegion(factors, parts, refinedParts);
  const m = region.data;
  const w = backgroundWeights(saliencyAtFeatures(coords, factors, stats, backgroundAppearance).data, m);
  const wSum = w.reduce((a, b) => a + b, 0);
  // D = (ȳ − y_s)·m(s), R_C × S
  const d = new Float32Array(r * s);
  for (let k = 0; k < r; k++) {
    let mean = 0;
    for (let i = 0; i < s; i++) mean += w[i] * coords[k * s + i];
    mean /= wSum;
    for (let i = 0; i < s; i++) d[k * s + i] = (mean - coords[k * s + i]) * m[i];
  }
  const out = features.slice();
  for (let c = 0; c < channels; c++) {
    for (let k = 0; k < r; k++) {
      const a = factors.appearances[c * r + k];
      if (a === 0) continue;
      for (let i = 0; i < s; i++) out[c * s + i] += a * d[k * s + i];
    }
  }
  return { features: out, region };
}

export type PixelFill = "transparent" | "background";

/**
 * Pixel-space removal: pixels where `mask` is 1 become transparent, or take the mean colour of
 * the background (weighted by `presence`, the background concept's heat map, outside the mask).
 */
export function removeInPixels(image: RgbaImage, mask: SpatialMap, fill: PixelFill, presence: SpatialMap): RgbaImage {
  const rgba = image.rgba.slice();
  const n = image.width * image.height;
  if (fill === "transparent") {
    for (let i = 0; i < n; i++) if (mask.data[i] >= 0.5) rgba[i * 4 + 3] = 0;
    return { width: image.width, height: image.height, rgba };
  }
  const w = backgroundWeights(presence.data, mask.data.map((v) => (v >= 0.5 ? 1 : 0)));
  const colour = [0, 0, 0];
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) colour[c] += w[i] * image.rgba[i * 4 + c];
    total += w[i];
  }
  for (let i = 0; i < n; i++) {
    if (mask.data[i] < 0.5) continue;
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(colour[c] / total);
    rgba[i * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, rgba };
}
