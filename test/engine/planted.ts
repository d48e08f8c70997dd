/**
 * Synthetic feature maps with planted parts: K non-negative spatial blobs b_k (some touching or
 * overlapping), and per sample Z_i = Σ_k a_ik b_kᵀ + noise with random appearance vectors a_ik.
 * Also the matching of discovered to planted parts by IoU of thresholded maps.
 */
import { createRng, fillNormal } from "../../companion-server/src/runtime/random";
import { FeatureShape } from "../../companion-server/src/engine/panda/types";

export interface Blob {
  y: number;
  x: number;
  radius: number;
}

export interface Planted {
  shape: FeatureShape;
  count: number;
  data: Float32Array;
  /** K maps of S values each */
  parts: Float32Array[];
}

/** Five blobs on 16×16: four apart, one overlapping another's rim. */
export const FIVE_BLOBS: Blob[] = [
  { y: 3.5, x: 3.5, radius: 2.6 },
  { y: 3.5, x: 12, radius: 2.6 },
  { y: 12, x: 3.5, radius: 2.6 },
  { y: 11.5, x: 11.5, radius: 3 },
  { y: 7.5, x: 7.8, radius: 2.2 },
];

/** A flat-topped bump: 1 inside the radius, falling smoothly to 0 one pixel outside it. */
function blobMap(b: Blob, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(y - b.y, x - b.x);
      out[y * width + x] = d <= b.radius ? 1 : Math.max(0, 1 - (d - b.radius));
    }
  return out;
}

export function plantedFeatures(options: { channels: number; height?: number; width?: number; count: number; blobs?: Blob[]; noise?: number; seed?: number; scale?: number }): Planted {
  const { channels, count, height = 16, width = 16, blobs = FIVE_BLOBS, noise = 0.05, seed = 1, scale = 1 } = options;
  const s = height * width;
  const rng = createRng(seed);
  const parts = blobs.map((b) => blobMap(b, height, width));
  const data = fillNormal(new Float32Array(count * channels * s), rng).map((v) => v * noise);
  const a = new Float32Array(channels);
  for (let i = 0; i < count; i++)
    for (const part of parts) {
      fillNormal(a, rng);
      for (let c = 0; c < channels; c++) {
        const row = (i * channels + c) * s;
        for (let p = 0; p < s; p++) data[row + p] += a[c] * part[p];
      }
    }
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  return { shape: { channels, height, width }, count, data, parts };
}

function threshold(map: ArrayLike<number>): boolean[] {
  let max = 0;
  for (let i = 0; i < map.length; i++) max = Math.max(max, map[i]);
  return Array.from(map, (v) => max > 0 && v >= 0.5 * max);
}

export function iou(a: boolean[], b: boolean[]): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/** For each planted part, the IoU of its best discovered part, matched greedily (best pair first, each used once). */
export function matchParts(planted: Float32Array[], discovered: Float32Array, rank: number): number[] {
  const s = planted[0].length;
  const found = Array.from({ length: rank }, (_, k) => threshold(Array.from({ length: s }, (_, i) => discovered[i * rank + k])));
  const truth = planted.map(threshold);
  const pairs: Array<[number, number, number]> = [];
  truth.forEach((t, i) => found.forEach((f, j) => pairs.push([iou(t, f), i, j])));
  pairs.sort((x, y) => y[0] - x[0]);
  const best = new Array<number>(planted.length).fill(0);
  const usedT = new Set<number>();
  const usedF = new Set<number>();
  for (const [score, i, j] of pairs) {
    if (usedT.has(i) || usedF.has(j)) continue;
    usedT.add(i);
    usedF.add(j);
    best[i] = score;
  }
  return best;
}
