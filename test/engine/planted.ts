/** Matching of discovered to planted parts by IoU of thresholded maps (the planted features are engine/synthetic.ts). */
export { FIVE_BLOBS, plantedFeatures } from "../../companion-server/src/engine/synthetic";

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
