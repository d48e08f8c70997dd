/**
 * Synthetic feature maps with planted parts, for tests and benchmarks: K non-negative spatial blobs
 * b_k (flat-topped discs, some touching or overlapping) and per sample
 * Z_i = scale · (Σ_k a_ik b_kᵀ + noise), with random Gaussian appearance vectors a_ik.
 */
import { createRng, fillNormal } from "../runtime/random";
import { FeatureShape } from "./panda/types";

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
  const data = fillNormal(new Float32Array(count * channels * s), rng);
  for (let i = 0; i < data.length; i++) data[i] *= noise; // in place: the tensor may be most of memory
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

/** K blobs at seeded random places on an H×W grid, radius about a sixth of the side. */
export function randomBlobs(k: number, height: number, width: number, seed: number): Blob[] {
  const rng = createRng(seed);
  const radius = Math.min(height, width) / 6;
  return Array.from({ length: k }, () => ({ y: radius + rng() * (height - 2 * radius), x: radius + rng() * (width - 2 * radius), radius: radius * (0.7 + 0.6 * rng()) }));
}
