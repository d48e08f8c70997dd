/**
 * Part masks of one image at image resolution: soft (each part's map upsampled bilinearly and
 * min–max scaled; a union is the pointwise maximum) and binary (each pixel belongs to the part
 * whose scaled map is largest there, or a soft mask above a threshold).
 */
import { Factors } from "./types";
import { minMaxScale, partColumn, resizeBilinear, Size, SpatialMap } from "./maps";

/** Every part's soft map at image size, each scaled to [0, 1]. `parts` overrides P (refined). */
export function partMaps(factors: Factors, size: Size, parts?: Float32Array): SpatialMap[] {
  const maps: SpatialMap[] = [];
  for (let k = 0; k < factors.partsRank; k++) maps.push(minMaxScale(resizeBilinear(partColumn(factors, k, parts), size)));
  return maps;
}

/** The soft union of the chosen parts: the largest of their maps at each pixel. */
export function softMask(maps: readonly SpatialMap[], indices: readonly number[]): SpatialMap {
  const { width, height } = maps[0];
  const data = new Float32Array(width * height);
  for (const k of indices) {
    const m = maps[k].data;
    for (let i = 0; i < data.length; i++) if (m[i] > data[i]) data[i] = m[i];
  }
  return { width, height, data };
}

/** Per pixel, the index of the part whose scaled map is largest (ties go to the lower index). */
export function partLabels(maps: readonly SpatialMap[]): Uint8Array {
  const n = maps[0].data.length;
  const labels = new Uint8Array(n);
  const best = Float32Array.from(maps[0].data);
  for (let k = 1; k < maps.length; k++) {
    const m = maps[k].data;
    for (let i = 0; i < n; i++) {
      if (m[i] > best[i]) {
        best[i] = m[i];
        labels[i] = k;
      }
    }
  }
  return labels;
}

/**
 * The binary union of the chosen parts (values 0 or 1): by argmax over all parts, or, with a
 * threshold in [0, 1], where the soft union reaches it.
 */
export function binaryMask(maps: readonly SpatialMap[], indices: readonly number[], threshold?: number): SpatialMap {
  const { width, height } = maps[0];
  const data = new Float32Array(width * height);
  if (threshold !== undefined) {
    const soft = softMask(maps, indices).data;
    for (let i = 0; i < data.length; i++) data[i] = soft[i] >= threshold ? 1 : 0;
  } else {
    const chosen = new Set(indices);
    const labels = partLabels(maps);
    for (let i = 0; i < data.length; i++) data[i] = chosen.has(labels[i]) ? 1 : 0;
  }
  return { width, height, data };
}
