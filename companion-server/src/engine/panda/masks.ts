/**
 * Part masks of one image at image resolution: soft (each part's map upsampled bilinearly and
 * min–max scaled; a union is the pointwise maximum) and binary (each pixel belongs to the part
 * whose column of P is largest there — raw values, since a part's amplitude is what the
 * reconstruction uses and a part spread evenly would vanish when scaled — or a soft mask above
 * a threshold).
 */
import { Factors } from "./types";
import { minMaxScale, partColumn, resizeBilinear, Size, SpatialMap } from "./maps";

/** Every part's map at image size: as upsampled from P, and scaled to [0, 1]. */
export interface PartMaps {
  raw: SpatialMap[];
  scaled: SpatialMap[];
}

/** `parts` overrides P (e.g. refined for this image). */
export function partMaps(factors: Factors, size: Size, parts?: Float32Array): PartMaps {
  const raw: SpatialMap[] = [];
  for (let k = 0; k < factors.partsRank; k++) raw.push(resizeBilinear(partColumn(factors, k, parts), size));
  return { raw, scaled: raw.map(minMaxScale) };
}

/** The soft union of the chosen parts: the largest of their scaled maps at each pixel. */
export function softMask(maps: PartMaps, indices: readonly number[]): SpatialMap {
  const { width, height } = maps.scaled[0];
  const data = new Float32Array(width * height);
  for (const k of indices) {
    const m = maps.scaled[k].data;
    for (let i = 0; i < data.length; i++) if (m[i] > data[i]) data[i] = m[i];
  }
  return { width, height, data };
}

/** Per pixel, the index of the part whose raw map is largest (ties go to the lower index). */
export function partLabels(maps: PartMaps): Uint8Array {
  const raw = maps.raw;
  const n = raw[0].data.length;
  const labels = new Uint8Array(n);
  const best = Float32Array.from(raw[0].data);
  for (let k = 1; k < raw.length; k++) {
    const m = raw[k].data;
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
export function binaryMask(maps: PartMaps, indices: readonly number[], threshold?: number): SpatialMap {
  const { width, height } = maps.raw[0];
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
