/**
 * Resampling of single-channel planes (row-major Float32Array) between sizes, pixel centres at
 * half-integers (PyTorch's align_corners=false, PIL's resize): block (nearest), bilinear, Lanczos-3,
 * and the area mean used to shrink a guide image. Pure TypeScript: it runs in browsers too.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Plane extends Size {
  /** width·height values, row-major */
  data: Float32Array;
}

/** Where output pixel i samples the input, in input pixel units (centres at half-integers). */
function sourceCoordinate(i: number, scale: number): number {
  return (i + 0.5) * scale - 0.5;
}

/** Each output pixel takes the input pixel it falls in: upsampled maps show their blocks. */
export function resizeNearest(map: Plane, size: Size): Plane {
  const { width: W, height: H } = size;
  const out = new Float32Array(W * H);
  const xs = Int32Array.from({ length: W }, (_, x) => Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / W)));
  for (let y = 0; y < H; y++) {
    const row = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / H)) * map.width;
    for (let x = 0; x < W; x++) out[y * W + x] = map.data[row + xs[x]];
  }
  return { width: W, height: H, data: out };
}

/** Along one axis of a bilinear resize from `from` to `to` pixels: each output pixel's two input pixels and the weight of the second. */
export interface BilinearTaps {
  lo: Int32Array;
  hi: Int32Array;
  t: Float64Array;
}

export function bilinearTaps(from: number, to: number): BilinearTaps {
  const scale = from / to;
  const taps = { lo: new Int32Array(to), hi: new Int32Array(to), t: new Float64Array(to) };
  for (let i = 0; i < to; i++) {
    const f = Math.min(Math.max(sourceCoordinate(i, scale), 0), from - 1);
    taps.lo[i] = Math.floor(f);
    taps.hi[i] = Math.min(taps.lo[i] + 1, from - 1);
    taps.t[i] = f - taps.lo[i];
  }
  return taps;
}

/** Bilinear resampling, edges clamped (the official notebooks' F.interpolate). */
export function resizeBilinear(map: Plane, size: Size): Plane {
  const { width: W, height: H } = size;
  if (W === map.width && H === map.height) return { width: W, height: H, data: map.data.slice() };
  const out = new Float32Array(W * H);
  const src = map.data;
  const w = map.width;
  const { lo: x0s, hi: x1s, t: txs } = bilinearTaps(w, W);
  const ys = bilinearTaps(map.height, H);
  for (let y = 0; y < H; y++) {
    const ty = ys.t[y];
    const r0 = ys.lo[y] * w;
    const r1 = ys.hi[y] * w;
    for (let x = 0; x < W; x++) {
      const tx = txs[x];
      const top = src[r0 + x0s[x]] * (1 - tx) + src[r0 + x1s[x]] * tx;
      const bottom = src[r1 + x0s[x]] * (1 - tx) + src[r1 + x1s[x]] * tx;
      out[y * W + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return { width: W, height: H, data: out };
}

const LANCZOS_A = 3;

function lanczos(t: number): number {
  if (t === 0) return 1;
  if (Math.abs(t) >= LANCZOS_A) return 0;
  const pt = Math.PI * t;
  return (LANCZOS_A * Math.sin(pt) * Math.sin(pt / LANCZOS_A)) / (pt * pt);
}

/** Per output index along one axis: the 6 input taps (clamped) and their normalised weights. */
function lanczosTaps(outLength: number, inLength: number): { index: Int32Array; weight: Float32Array } {
  const taps = 2 * LANCZOS_A;
  const index = new Int32Array(outLength * taps);
  const weight = new Float32Array(outLength * taps);
  const scale = inLength / outLength;
  for (let i = 0; i < outLength; i++) {
    const f = sourceCoordinate(i, scale);
    const first = Math.floor(f) - LANCZOS_A + 1;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const wgt = lanczos(f - (first + t));
      index[i * taps + t] = Math.min(inLength - 1, Math.max(0, first + t));
      weight[i * taps + t] = wgt;
      sum += wgt;
    }
    for (let t = 0; t < taps; t++) weight[i * taps + t] /= sum;
  }
  return { index, weight };
}

/**
 * Lanczos-3 upsampling (the official notebooks' saliency upsampling): smoother than bilinear, no
 * visible blocks or creases. It rings a little at steep steps, so callers clamp to their range.
 */
export function resizeLanczos(map: Plane, size: Size): Plane {
  const { width: W, height: H } = size;
  const taps = 2 * LANCZOS_A;
  const cols = lanczosTaps(W, map.width);
  const rows = lanczosTaps(H, map.height);
  const wide = new Float32Array(W * map.height);
  for (let y = 0; y < map.height; y++) {
    const o = y * map.width;
    for (let x = 0; x < W; x++) {
      let v = 0;
      for (let t = 0; t < taps; t++) v += map.data[o + cols.index[x * taps + t]] * cols.weight[x * taps + t];
      wide[y * W + x] = v;
    }
  }
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let t = 0; t < taps; t++) {
      const wgt = rows.weight[y * taps + t];
      const src = rows.index[y * taps + t] * W;
      for (let x = 0; x < W; x++) out[y * W + x] += wgt * wide[src + x];
    }
  }
  return { width: W, height: H, data: out };
}

/** Mean over each factor×factor block (the last blocks may be partial): a plane shrunk without aliasing. */
export function downsampleArea(map: Plane, factor: number): Plane {
  if (factor <= 1) return { width: map.width, height: map.height, data: map.data.slice() };
  const W = Math.ceil(map.width / factor);
  const H = Math.ceil(map.height / factor);
  const sum = new Float32Array(W * H);
  const count = new Float32Array(W * H);
  for (let y = 0; y < map.height; y++) {
    const oy = Math.floor(y / factor) * W;
    for (let x = 0; x < map.width; x++) {
      const o = oy + Math.floor(x / factor);
      sum[o] += map.data[y * map.width + x];
      count[o] += 1;
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] /= count[i];
  return { width: W, height: H, data: sum };
}
