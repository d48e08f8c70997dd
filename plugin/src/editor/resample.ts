/**
 * Resizing with a stated method (Host placements say which one; nothing is resized silently).
 * Separable filtering; when shrinking, the kernel widens with the scale so that it averages
 * instead of skipping pixels. RGBA is filtered premultiplied so transparent pixels don't bleed
 * their (meaningless) colour into the edges.
 */
import { GrayRaster, RgbaRaster, checkSize } from "./raster";

export type ResampleMethod = "nearest" | "bilinear" | "bicubic";

interface Kernel {
  radius: number;
  weight(x: number): number;
}

const KERNELS: Record<Exclude<ResampleMethod, "nearest">, Kernel> = {
  bilinear: { radius: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  // Catmull-Rom (a = −0.5): sharp without the ringing of larger kernels.
  bicubic: {
    radius: 2,
    weight: (t) => {
      const x = Math.abs(t);
      if (x < 1) return 1.5 * x ** 3 - 2.5 * x ** 2 + 1;
      if (x < 2) return -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2;
      return 0;
    },
  },
};

/** For each destination index: the source indices and their normalised weights. */
interface Taps {
  first: Int32Array;
  weights: Float32Array[];
}

function taps(srcSize: number, dstSize: number, method: ResampleMethod): Taps {
  const first = new Int32Array(dstSize);
  const weights: Float32Array[] = [];
  const scale = srcSize / dstSize;
  for (let i = 0; i < dstSize; i++) {
    const centre = (i + 0.5) * scale;
    if (method === "nearest") {
      first[i] = Math.min(srcSize - 1, Math.floor(centre));
      weights.push(Float32Array.of(1));
      continue;
    }
    const kernel = KERNELS[method];
    const stretch = Math.max(1, scale);
    const lo = Math.max(0, Math.floor(centre - kernel.radius * stretch));
    const hi = Math.min(srcSize - 1, Math.ceil(centre + kernel.radius * stretch));
    const w = new Float32Array(hi - lo + 1);
    let sum = 0;
    for (let s = lo; s <= hi; s++) sum += w[s - lo] = kernel.weight((s + 0.5 - centre) / stretch);
    for (let k = 0; k < w.length; k++) w[k] /= sum || 1;
    first[i] = lo;
    weights.push(w);
  }
  return { first, weights };
}

/** Resamples interleaved float channels: rows first, then columns. */
function resampleChannels(src: Float32Array, sw: number, sh: number, channels: number, dw: number, dh: number, method: ResampleMethod): Float32Array {
  const tx = taps(sw, dw, method);
  const ty = taps(sh, dh, method);
  const rows = new Float32Array(dw * sh * channels);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      const w = tx.weights[x];
      const out = (y * dw + x) * channels;
      for (let k = 0; k < w.length; k++) {
        const inp = (y * sw + tx.first[x] + k) * channels;
        for (let c = 0; c < channels; c++) rows[out + c] += w[k] * src[inp + c];
      }
    }
  }
  const dst = new Float32Array(dw * dh * channels);
  for (let y = 0; y < dh; y++) {
    const w = ty.weights[y];
    for (let k = 0; k < w.length; k++) {
      const inRow = (ty.first[y] + k) * dw * channels;
      const outRow = y * dw * channels;
      for (let i = 0; i < dw * channels; i++) dst[outRow + i] += w[k] * rows[inRow + i];
    }
  }
  return dst;
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

export function resampleRgba(image: RgbaRaster, width: number, height: number, method: ResampleMethod): RgbaRaster {
  checkSize(width, height);
  if (image.width === width && image.height === height) return image;
  const n = image.width * image.height;
  const pre = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const a = image.rgba[i * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) pre[i * 4 + c] = image.rgba[i * 4 + c] * a;
    pre[i * 4 + 3] = image.rgba[i * 4 + 3];
  }
  const out = resampleChannels(pre, image.width, image.height, 4, width, height, method);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const alpha = clampByte(out[i * 4 + 3]);
    rgba[i * 4 + 3] = alpha;
    if (alpha === 0) continue;
    const a = out[i * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = clampByte(out[i * 4 + c] / a);
  }
  return { width, height, rgba };
}

export function resampleGray(image: GrayRaster, width: number, height: number, method: ResampleMethod): GrayRaster {
  checkSize(width, height);
  if (image.width === width && image.height === height) return image;
  const out = resampleChannels(Float32Array.from(image.gray), image.width, image.height, 1, width, height, method);
  return { width, height, gray: Uint8Array.from(out, clampByte) };
}
