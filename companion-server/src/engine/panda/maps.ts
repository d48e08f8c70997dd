/**
 * Spatial maps (one value per position, row-major) and the operations every product feature
 * shares: reading part columns out of P, min–max scaling and conversion to 8-bit gray (resampling
 * to image size lives in ../imaging).
 */
import { PartFactors } from "./types";
import { Plane, Size } from "../imaging/resample";

/** One value per position, row-major (an imaging Plane). */
export type SpatialMap = Plane;
export type { Size };
export { resizeBilinear } from "../imaging/resample";

/** Column k of P (S×R_S, row-major) as an H×W map. `parts` overrides P (e.g. refined for one image). */
export function partColumn(factors: PartFactors, k: number, parts: Float32Array = factors.parts): SpatialMap {
  const { height, width } = factors.shape;
  const s = height * width;
  const r = factors.partsRank;
  const data = new Float32Array(s);
  for (let i = 0; i < s; i++) data[i] = parts[i * r + k];
  return { width, height, data };
}

/** Σ_k P[:, k] over the chosen parts, as an H×W map (unscaled). */
export function partSum(factors: PartFactors, indices: readonly number[], parts: Float32Array = factors.parts): SpatialMap {
  const { height, width } = factors.shape;
  const sum = new Float32Array(height * width);
  for (const k of indices) {
    const col = partColumn(factors, k, parts).data;
    for (let i = 0; i < sum.length; i++) sum[i] += col[i];
  }
  return { width, height, data: sum };
}

/** Scales to [0, 1]; a constant map becomes all zeros (nothing stands out). */
export function minMaxScale(map: SpatialMap): SpatialMap {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  const data = new Float32Array(map.data.length);
  if (range > 0) for (let i = 0; i < data.length; i++) data[i] = (map.data[i] - lo) / range;
  return { width: map.width, height: map.height, data };
}

/** Values in [0, 1] as whole levels 0…top of `out` (clamped). */
function quantised<T extends Uint8Array | Uint16Array>(map: SpatialMap, out: T, top: number): T {
  for (let i = 0; i < out.length; i++) {
    const v = map.data[i] * top;
    out[i] = v <= 0 ? 0 : v >= top ? top : Math.round(v);
  }
  return out;
}

/** Values in [0, 1] → 0…255 (clamped). */
export function toGray8(map: SpatialMap): Uint8Array {
  return quantised(map, new Uint8Array(map.data.length), 255);
}

/** Values in [0, 1] → 0…65535 (clamped): a heat map without 8-bit steps. */
export function toGray16(map: SpatialMap): Uint16Array {
  return quantised(map, new Uint16Array(map.data.length), 65535);
}

/** Fraction of the map's mass on the outermost ring of positions (the image border). */
export function borderShare(map: SpatialMap): number {
  let border = 0;
  let total = 0;
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      const v = Math.max(0, map.data[y * map.width + x]);
      total += v;
      if (x === 0 || y === 0 || x === map.width - 1 || y === map.height - 1) border += v;
    }
  }
  return total > 0 ? border / total : 0;
}
