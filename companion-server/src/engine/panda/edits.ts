/**
 * Local edits in feature space (PandA §edits): Z' = Z + Σ_j λ_j · a_{c_j} ⊗ p̂_j, with p̂_j the
 * sum of the chosen columns of P reshaped H×W and min–max scaled to [0, 1], and a_{c_j} the raw
 * column c_j of A. The caller runs the generator's tail on Z'.
 */
import { Factors } from "./types";
import { minMaxScale, partSum, SpatialMap } from "./maps";

export interface Edit {
  parts: number[];
  appearance: number;
  strength: number;
}

/** p̂ for a set of parts, at feature resolution. */
export function editRegion(factors: Factors, parts: readonly number[], refinedParts?: Float32Array): SpatialMap {
  return minMaxScale(partSum(factors, parts, refinedParts));
}

export interface EditResult {
  /** Z' (C·S values) */
  features: Float32Array;
  /** the union (pointwise max) of the p̂_j used, at feature resolution */
  region: SpatialMap;
}

/** The union (pointwise max) of the edits' p̂_j at feature resolution: it does not depend on the strengths. */
export function editsRegion(factors: Factors, edits: readonly Pick<Edit, "parts">[], refinedParts?: Float32Array): SpatialMap {
  const { height, width } = factors.shape;
  const union = new Float32Array(height * width);
  for (const edit of edits) {
    const p = editRegion(factors, edit.parts, refinedParts).data;
    for (let i = 0; i < union.length; i++) if (p[i] > union[i]) union[i] = p[i];
  }
  return { width, height, data: union };
}

/** Applies every edit to one image's features (C·S values); the input is not changed. */
export function applyEdits(factors: Factors, features: Float32Array, edits: readonly Edit[], refinedParts?: Float32Array): EditResult {
  const { channels, height, width } = factors.shape;
  const s = height * width;
  const r = factors.appearancesRank;
  const out = features.slice();
  for (const edit of edits) {
    if (edit.strength === 0) continue;
    const p = editRegion(factors, edit.parts, refinedParts).data;
    for (let c = 0; c < channels; c++) {
      const w = edit.strength * factors.appearances[c * r + edit.appearance];
      if (w === 0) continue;
      const row = c * s;
      for (let i = 0; i < s; i++) out[row + i] += w * p[i];
    }
  }
  return { features: out, region: editsRegion(factors, edits, refinedParts) };
}
