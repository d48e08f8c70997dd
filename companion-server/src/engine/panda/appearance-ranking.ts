/**
 * Which appearances suit a part: the appearance browser's order. An edit adds λ·a_c ⊗ p̂, so in
 * feature space every appearance's edit has the same shape (p̂) and, in calibrated units, the same
 * size; what tells appearances apart is where each concept already lives in this image. Appearance
 * c's saliency (its coordinates AᵀZ on the factorisation's 0…1 scale) averaged over the part,
 * weighted by p̂, minus its average outside, weighted by 1 − p̂: high for a concept the part carries
 * and the rest of the image does not (the paper's concept–part alignment), so an edit along it
 * reshapes that part rather than painting a foreign concept into it. The measured effect of the
 * edit on the image's pixels (inside vs outside the part) comes with each rendered preview.
 */
import { Factors } from "./types";
import { SpatialMap } from "./maps";
import { normaliser, SaliencyStats } from "./saliency";
import { RgbaImage } from "../../runtime/image-codec";

export interface AppearanceRank {
  appearance: number;
  /** inside − outside: how much more the concept is present in the part than around it */
  score: number;
  /** mean saliency in the part (weighted by p̂), 0…1 */
  inside: number;
  /** mean saliency outside the part (weighted by 1 − p̂), 0…1 */
  outside: number;
}

/**
 * Every appearance, best first (ties by index). `coords` is AᵀZ (R_C·S), `region` the part set's
 * p̂ at feature resolution (0…1).
 */
export function rankAppearances(coords: Float32Array, factors: Factors, stats: SaliencyStats, region: SpatialMap): AppearanceRank[] {
  const s = factors.shape.height * factors.shape.width;
  const p = region.data;
  let inWeight = 0;
  let outWeight = 0;
  for (let i = 0; i < s; i++) (inWeight += p[i]), (outWeight += 1 - p[i]);
  const ranks: AppearanceRank[] = [];
  for (let c = 0; c < factors.appearancesRank; c++) {
    const norm = normaliser(stats, c);
    let inside = 0;
    let outside = 0;
    for (let i = 0; i < s; i++) {
      const v = norm(coords[c * s + i]);
      inside += p[i] * v;
      outside += (1 - p[i]) * v;
    }
    inside = inWeight > 0 ? inside / inWeight : 0;
    outside = outWeight > 0 ? outside / outWeight : 0;
    ranks.push({ appearance: c, score: inside - outside, inside, outside });
  }
  return ranks.sort((a, b) => b.score - a.score || a.appearance - b.appearance);
}

/** What an edit did to the pixels: mean |change| (0…1 of the range, over RGB) inside and outside a soft mask. */
export interface PixelChange {
  inside: number;
  outside: number;
}

export function pixelChange(before: RgbaImage, after: RgbaImage, mask: SpatialMap): PixelChange {
  let inside = 0;
  let outside = 0;
  let inWeight = 0;
  let outWeight = 0;
  const m = mask.data;
  for (let i = 0; i < m.length; i++) {
    const o = i * 4;
    const d = (Math.abs(after.rgba[o] - before.rgba[o]) + Math.abs(after.rgba[o + 1] - before.rgba[o + 1]) + Math.abs(after.rgba[o + 2] - before.rgba[o + 2])) / (3 * 255);
    inside += m[i] * d;
    outside += (1 - m[i]) * d;
    inWeight += m[i];
    outWeight += 1 - m[i];
  }
  return { inside: inWeight > 0 ? inside / inWeight : 0, outside: outWeight > 0 ? outside / outWeight : 0 };
}
