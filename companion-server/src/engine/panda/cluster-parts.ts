/**
 * Per-image parts by clustering (refineParts' default method): pure TypeScript over AᵀZ and the
 * global parts, with no ONNX Runtime import, so the server (on an imaging thread) and the
 * in-browser engine run this one implementation and refine an image's parts alike.
 */
import { Matrix, matrix } from "../tensor/matrix";
import { Factors } from "./types";

/** EM rounds of the clustering without the parts' directions (refineParts caps its `iterations` at this) */
export const CLUSTER_ITERATIONS = 10;
/** the prior mixes the global parts with this much of a uniform choice, so this image can overrule them (0.5: best of 0.2/0.5/0.9 on eval:parts) */
const PRIOR_MIX = 0.5;
/** softmax temperature on cosine similarities (−1 … 1) */
const CLUSTER_TEMPERATURE = 0.1;

/**
 * Parts that follow this image. With the parts' directions over the fit's samples (`centres`,
 * R_C×R_S, Factors.partCentres): every position soft-assigned, once, to the parts whose direction
 * its coordinates AᵀZ resemble (cosine), with the global part maps as the prior — so a position
 * joins the part whose appearance it has here, wherever that part usually lies (hair that falls
 * lower, a face that sits higher), and part k keeps its meaning. Without them (a folder saved
 * before they were kept): a few EM rounds of spherical k-means on this image, seeded and anchored
 * by the global parts, each part's direction re-estimated from this image alone — which drifts
 * towards the image's dominant regions, so the fixed directions score higher (eval:parts at
 * 16×16, 30 samples: mIoU .249 against .207 before the colour fit).
 * Returns S×R_S values in [0, 1] that sum to 1 at every position.
 */
export function clusterParts(coords: Matrix, globalParts: Matrix, iterations: number, centres?: Matrix): Float32Array {
  const r = coords.rows;
  const s = coords.cols;
  const k = globalParts.cols;
  if (centres && (centres.rows !== r || centres.cols !== k)) throw new Error(`clusterParts: the parts' directions must be ${r}×${k}, got ${centres.rows}×${centres.cols}`);
  const w = coords.data;
  // unit coordinate vectors per position, and the prior: global P normalised per position
  const unit = new Float32Array(r * s);
  for (let j = 0; j < s; j++) {
    let norm = 0;
    for (let c = 0; c < r; c++) norm += w[c * s + j] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < r; c++) unit[c * s + j] = w[c * s + j] * inv;
  }
  const logPrior = new Float32Array(s * k);
  for (let j = 0; j < s; j++) {
    let total = 0;
    for (let q = 0; q < k; q++) total += Math.max(0, globalParts.data[j * k + q]);
    for (let q = 0; q < k; q++) logPrior[j * k + q] = Math.log((1 - PRIOR_MIX) * (total > 0 ? Math.max(0, globalParts.data[j * k + q]) / total : 1 / k) + PRIOR_MIX / k);
  }
  let resp: Float32Array = Float32Array.from({ length: s * k }, (_, i) => Math.exp(logPrior[i]));
  if (centres && iterations > 0) return assign(unit, unitColumns(centres.data, r, k), logPrior, s, k);
  for (let it = 0; it < iterations; it++) {
    // each part's appearance in this image: responsibility-weighted mean direction
    const centre = new Float32Array(r * k);
    for (let c = 0; c < r; c++) for (let j = 0; j < s; j++) for (let q = 0; q < k; q++) centre[c * k + q] += resp[j * k + q] * unit[c * s + j];
    resp = assign(unit, unitColumns(centre, r, k), logPrior, s, k);
  }
  return resp;
}

/** An R×K matrix's columns scaled to unit length (a zero column stays zero). */
function unitColumns(m: Float32Array, r: number, k: number): Float32Array {
  const out = Float32Array.from(m);
  for (let q = 0; q < k; q++) {
    let norm = 0;
    for (let c = 0; c < r; c++) norm += out[c * k + q] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < r; c++) out[c * k + q] *= inv;
  }
  return out;
}

/** Responsibilities ∝ exp(cos(position, part)/T) · prior at every position (S×K, rows sum to 1). */
function assign(unit: Float32Array, centre: Float32Array, logPrior: Float32Array, s: number, k: number): Float32Array {
  const r = unit.length / s;
  const next = new Float32Array(s * k);
  for (let j = 0; j < s; j++) {
    let max = -Infinity;
    for (let q = 0; q < k; q++) {
      let cos = 0;
      for (let c = 0; c < r; c++) cos += unit[c * s + j] * centre[c * k + q];
      next[j * k + q] = cos / CLUSTER_TEMPERATURE + logPrior[j * k + q];
      max = Math.max(max, next[j * k + q]);
    }
    let sum = 0;
    for (let q = 0; q < k; q++) sum += next[j * k + q] = Math.exp(next[j * k + q] - max);
    for (let q = 0; q < k; q++) next[j * k + q] /= sum;
  }
  return next;
}

/** The parts' directions of a factorisation as a matrix, when it has them. */
export function partCentresOf(factors: Factors): Matrix | undefined {
  return factors.partCentres ? matrix(factors.appearancesRank, factors.partsRank, factors.partCentres) : undefined;
}

/**
 * This image's parts as refineParts' default method gives them, from its coordinates AᵀZ
 * (R_C·S values) — for an engine that already holds AᵀZ (ImageParts.coordinates).
 */
export function clusterRefinedParts(coords: Float32Array, factors: Factors): Float32Array {
  const { height, width } = factors.shape;
  return clusterParts(matrix(factors.appearancesRank, height * width, coords), matrix(height * width, factors.partsRank, factors.parts), CLUSTER_ITERATIONS, partCentresOf(factors));
}
