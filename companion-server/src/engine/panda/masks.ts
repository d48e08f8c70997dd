/**
 * Part masks of one image at image resolution: soft (each part's map upsampled — bilinearly, or
 * edge-aware with the image as guide — and min–max scaled; a union is the pointwise maximum) and
 * binary (each pixel belongs to the part whose column of P is largest there — raw values, since a
 * part's amplitude is what the reconstruction uses and a part spread evenly would vanish when
 * scaled — or a soft mask above a threshold).
 */
import { PartFactors } from "./types";
import { partColumn, resizeBilinear, Size, SpatialMap } from "./maps";
import { fitPartsToColours } from "../imaging/colour-fit";
import { GuideImage } from "../imaging/guided-filter";

/** Feature-resolution map → image size (e.g. MapUpsampler.upsample with a method). Must map an affine
 * change of its input to the same change of its output (bilinear, Lanczos and the guided filter do). */
export type Upsample = (map: SpatialMap) => SpatialMap;

/** Every part's map at image size: as upsampled from P, and scaled to [0, 1]. */
export interface PartMaps {
  raw: SpatialMap[];
  scaled: SpatialMap[];
}

/**
 * `parts` overrides P (e.g. refined for this image). Scaled maps use the min and max at feature
 * resolution (what the part is), clamped to [0, 1] after upsampling (a sharp upsampling overshoots).
 */
export function partMaps(factors: PartFactors, size: Size, parts?: Float32Array, upsample: Upsample = (m) => resizeBilinear(m, size)): PartMaps {
  const raw: SpatialMap[] = [];
  const scaled: SpatialMap[] = [];
  for (let k = 0; k < factors.partsRank; k++) {
    const column = partColumn(factors, k, parts);
    const up = upsample(column);
    raw.push(up);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of column.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const range = hi - lo;
    const data = new Float32Array(up.data.length);
    if (range > 0) for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, (up.data[i] - lo) / range));
    scaled.push({ width: up.width, height: up.height, data });
  }
  return { raw, scaled };
}

/**
 * Parts refined for one image, fitted to its colours as well (imaging/colour-fit.ts): each part's
 * posterior at every pixel, in 0…1, is both its raw and its scaled map.
 */
export function fitToImage(maps: PartMaps, image: GuideImage): PartMaps {
  const fitted = fitPartsToColours(image, maps.raw);
  return { raw: fitted, scaled: fitted };
}

/** The part maps the product shows for one image: the parts upsampled, and refined ones fitted to the image's colours. */
export function imagePartMaps(factors: PartFactors, image: GuideImage, upsample: Upsample, refinedParts?: Float32Array): PartMaps {
  const maps = partMaps(factors, { width: image.width, height: image.height }, refinedParts, upsample);
  return refinedParts ? fitToImage(maps, image) : maps;
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
