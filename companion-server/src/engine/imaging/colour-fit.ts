/**
 * Parts fitted to one image's colours: the last step of per-image refinement. The parts, refined in
 * feature space and upsampled to the image, are a prior π_k(x) at every pixel; each part gets a
 * colour model of this image (a Gaussian in RGB with full covariance, weighted by where the part
 * is), and each pixel's part posterior is ∝ π_k(x)^β · N(I(x); μ_k(x), Σ_k(x)). A few EM rounds
 * re-fit the colours to the posteriors. The Gaussians are local — part k's colours within a window
 * around x (1/8 of the image by default), shrunk towards its colours over the whole image — so a
 * background that changes colour across the picture, or clothes of two colours, are not one broad
 * Gaussian that loses its pixels to a narrow one nearby (eval:parts: a higher mIoU than one
 * Gaussian per part, mostly in background, hair and clothes). A part's boundary then lies where this image's colours change —
 * hair, face and background of this face — anywhere the prior leaves room, not only within the
 * guided filter's window; the prior keeps part k where the global part k is, so parts keep their
 * meaning. The rounds run on an area-downsampled grid (≈64 px a side), the final posterior at full
 * size, where only the parts present around each pixel compete (imagePosteriors).
 * Pure TypeScript over arrays (no Node imports): it runs on a worker or in a browser.
 */
import { colourPlanes, GuideImage } from "./guided-filter";
import { bilinearTaps, downsampleArea, Plane, Size } from "./resample";
import { BoxFilter } from "./box-filter";

export interface ColourFitOptions {
  /** EM rounds (default 3) */
  iterations?: number;
  /** β, the weight of the parts' prior against the colour likelihood (default 2) */
  priorWeight?: number;
  /** the prior mixes in this much of a uniform choice, so colours can overrule it (default 0.1) */
  uniformMix?: number;
  /** the colour models' window radius in image pixels (default 1/8 of the shorter side); Infinity: one Gaussian per part over the whole image */
  window?: number;
  /** the part's Gaussian over the whole image counts as this fraction of a window's pixels (default 0.02) */
  shrink?: number;
  /** fit on a grid 1/subsample the image's size (default ≈ 64 px a side) */
  subsample?: number;
}

/**
 * Defaults. 3 rounds on a 64-px grid: eval:parts (16×16, 30 samples) scored refined parts alike with
 * 5 rounds on a 128-px grid (edge-aware mIoU .256 vs .257) in about a third of the time; the colour
 * models are box means over 1/8 of the image, smooth enough for the coarser grid.
 */
export const COLOUR_FIT_DEFAULTS = { iterations: 3, priorWeight: 2, uniformMix: 0.1, windowFraction: 1 / 8, shrink: 0.02, gridSide: 64 } as const;

/** variance added to each colour channel's (0…1) so a flat part keeps a usable Gaussian */
const COLOUR_VARIANCE_FLOOR = 1e-3;

interface Grid extends Size {
  /** colour planes in 0…1 */
  rgb: Float32Array[];
  /** β·log π_k per part */
  logPrior: Float32Array[];
}

/** A Gaussian by its mean and raw second moments: μr μg μb, then rr rg rb gg gb bb (covariance = second − μμᵀ, plus the floor). */
type ColourModel = readonly number[];

/** β·log of the maps normalised per pixel (negative values count as 0) mixed with a uniform choice. */
function logPriors(maps: Float32Array[], beta: number, mix: number): Float32Array[] {
  const k = maps.length;
  const n = maps[0].length;
  const out = maps.map(() => new Float32Array(n));
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let q = 0; q < k; q++) total += Math.max(0, maps[q][i]);
    for (let q = 0; q < k; q++) out[q][i] = beta * Math.log((1 - mix) * (total > 0 ? Math.max(0, maps[q][i]) / total : 1 / k) + mix / k);
  }
  return out;
}

/** Posteriors ∝ exp(logPrior + log-likelihood) per pixel; with no likelihoods, the prior alone. */
function posteriors(grid: Grid, likelihoods?: Float32Array[]): Float32Array[] {
  const k = grid.logPrior.length;
  const n = grid.width * grid.height;
  const out = grid.logPrior.map((l) => Float32Array.from(l));
  if (likelihoods) likelihoods.forEach((l, q) => out[q].forEach((v, i) => (out[q][i] = v + l[i])));
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let q = 0; q < k; q++) if (out[q][i] > max) max = out[q][i];
    let sum = 0;
    for (let q = 0; q < k; q++) sum += out[q][i] = Math.exp(out[q][i] - max);
    for (let q = 0; q < k; q++) out[q][i] /= sum;
  }
  return out;
}

/** log N(I(x); μ, Σ) + const at every pixel of one Gaussian. */
function logLikelihood([r, g, b]: Float32Array[], m: ColourModel): Float32Array {
  const out = new Float32Array(r.length);
  for (let i = 0; i < r.length; i++) out[i] = logGaussian(r[i], g[i], b[i], m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
  return out;
}

/**
 * A part's local colour model: the Gaussian of its colours within `radius` pixels of every pixel
 * (box means of w, w·I and w·I·Iᵀ), shrunk towards the part's Gaussian over the whole image with
 * the weight of `shrink` of a window, so a pixel where the part is scarce or absent nearby falls
 * back to the part's overall colours. Returns the 9 planes of means and second moments at `grid`
 * size; the caller turns them into log-likelihoods, at this size or after upsampling them.
 */
function localMoments(rgb: Float32Array[], weight: Float32Array, box: BoxFilter, radius: number, shrink: number): Float32Array[] {
  const overall = moments(rgb, weight).slice(1);
  const [r, g, b] = rgb;
  const pairs: [Float32Array, Float32Array | null][] = [[r, null], [g, null], [b, null], [r, r], [r, g], [r, b], [g, g], [g, b], [b, b]];
  const w = box.mean(weight, radius);
  return pairs.map(([x, y], j) => {
    const plane = new Float32Array(weight.length);
    for (let i = 0; i < plane.length; i++) plane[i] = weight[i] * x[i] * (y ? y[i] : 1);
    box.mean(plane, radius, plane);
    for (let i = 0; i < plane.length; i++) plane[i] = (plane[i] + shrink * overall[j]) / (w[i] + shrink);
    return plane;
  });
}

/** log N((r, g, b); μ, Σ) + const from the mean and raw second moments (m = μr μg μb, rr rg rb gg gb bb). */
function logGaussian(r: number, g: number, b: number, mr: number, mg: number, mb: number, srr: number, srg: number, srb: number, sgg: number, sgb: number, sbb: number): number {
  // Σ = second moments − μμᵀ + floor, then x = I − μ and −½(log det Σ + xᵀΣ⁻¹x) by the cofactors of the symmetric [[a ab ac] [ab d de] [ac de f]]
  const a = srr - mr * mr + COLOUR_VARIANCE_FLOOR;
  const d = sgg - mg * mg + COLOUR_VARIANCE_FLOOR;
  const f = sbb - mb * mb + COLOUR_VARIANCE_FLOOR;
  const ab = srg - mr * mg;
  const ac = srb - mr * mb;
  const de = sgb - mg * mb;
  const c00 = d * f - de * de;
  const c01 = ac * de - ab * f;
  const c02 = ab * de - ac * d;
  const det = a * c00 + ab * c01 + ac * c02;
  const x = r - mr;
  const y = g - mg;
  const z = b - mb;
  const quad = c00 * x * x + (a * f - ac * ac) * y * y + (a * d - ab * ab) * z * z + 2 * (c01 * x * y + c02 * x * z + (ab * ac - a * de) * y * z);
  return -0.5 * (Math.log(det) + quad / det);
}

/** log N(I(x); μ(x), Σ(x)) + const with the mean and second moments given per pixel. */
function localLogLikelihood([r, g, b]: Float32Array[], [mr, mg, mb, srr, srg, srb, sgg, sgb, sbb]: Float32Array[]): Float32Array {
  const out = new Float32Array(r.length);
  for (let i = 0; i < out.length; i++) out[i] = logGaussian(r[i], g[i], b[i], mr[i], mg[i], mb[i], srr[i], srg[i], srb[i], sgg[i], sgb[i], sbb[i]);
  return out;
}

/** A part whose posterior on the fitting grid is below this at all four grid pixels a pixel is interpolated from takes no share of that pixel. */
export const ACTIVE_POSTERIOR = 1e-4;

/**
 * The posteriors at image size from the parts' local moments on the grid, without upsampling every
 * part's nine planes (that was most of the fit's time): at each pixel only the parts active there —
 * a posterior of at least ACTIVE_POSTERIOR on the grid at one of the four grid pixels around it;
 * one or two parts, three along a junction — compete, with their moments interpolated bilinearly
 * at that pixel (as resizeBilinear would) and the prior from the maps at image size. The others'
 * share there, below ACTIVE_POSTERIOR on every side, is left at 0.
 */
function imagePosteriors(image: Size & { rgb: Float32Array[] }, maps: Float32Array[], grid: Size, stats: Float32Array[][], gridPosteriors: Float32Array[], beta: number, mix: number): Float32Array[] {
  const { width, height } = image;
  const k = maps.length;
  const [red, green, blue] = image.rgb;
  const xs = bilinearTaps(grid.width, width);
  const ys = bilinearTaps(grid.height, height);
  const out = maps.map(() => new Float32Array(width * height));
  const active = new Int32Array(k);
  const score = new Float64Array(k);
  const m = new Float64Array(9);
  for (let y = 0; y < height; y++) {
    const ty = ys.t[y];
    const r0 = ys.lo[y] * grid.width;
    const r1 = ys.hi[y] * grid.width;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const tx = xs.t[x];
      const p00 = r0 + xs.lo[x];
      const p01 = r0 + xs.hi[x];
      const p10 = r1 + xs.lo[x];
      const p11 = r1 + xs.hi[x];
      const w00 = (1 - tx) * (1 - ty);
      const w01 = tx * (1 - ty);
      const w10 = (1 - tx) * ty;
      const w11 = tx * ty;
      let n = 0;
      let total = 0;
      for (let q = 0; q < k; q++) {
        total += Math.max(0, maps[q][i]);
        const gp = gridPosteriors[q];
        if (gp[p00] >= ACTIVE_POSTERIOR || gp[p01] >= ACTIVE_POSTERIOR || gp[p10] >= ACTIVE_POSTERIOR || gp[p11] >= ACTIVE_POSTERIOR) active[n++] = q;
      }
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        const q = active[j];
        const st = stats[q];
        for (let v = 0; v < 9; v++) {
          const plane = st[v];
          m[v] = plane[p00] * w00 + plane[p01] * w01 + plane[p10] * w10 + plane[p11] * w11;
        }
        const prior = beta * Math.log((1 - mix) * (total > 0 ? Math.max(0, maps[q][i]) / total : 1 / k) + mix / k);
        score[j] = prior + logGaussian(red[i], green[i], blue[i], m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
        if (score[j] > max) max = score[j];
      }
      let sum = 0;
      for (let j = 0; j < n; j++) sum += score[j] = Math.exp(score[j] - max);
      for (let j = 0; j < n; j++) out[active[j]][i] = score[j] / sum;
    }
  }
  return out;
}

/** The colour Gaussian of one part, each pixel weighted by its posterior. */
function colourModel(rgb: Float32Array[], weight: Float32Array): ColourModel {
  return moments(rgb, weight).slice(1);
}

/** Weighted moments: [Σw, mean r g b, second moments rr rg rb gg gb bb] (means of w·x and w·x·y divided by Σw). */
function moments([r, g, b]: Float32Array[], weight: Float32Array): number[] {
  const s = new Float64Array(10);
  for (let i = 0; i < weight.length; i++) {
    const v = weight[i];
    const x = r[i];
    const y = g[i];
    const z = b[i];
    s[0] += v;
    s[1] += v * x;
    s[2] += v * y;
    s[3] += v * z;
    s[4] += v * x * x;
    s[5] += v * x * y;
    s[6] += v * x * z;
    s[7] += v * y * y;
    s[8] += v * y * z;
    s[9] += v * z * z;
  }
  const w = Math.max(s[0], 1e-6);
  return [s[0], ...Array.from(s.subarray(1), (v) => v / w)];
}

/**
 * Each part's posterior at image size (values in 0…1 summing to 1 at every pixel), from its map
 * at image size (any non-negative scores: a part's upsampled column of P, or responsibilities).
 */
export function fitPartsToColours(image: GuideImage, maps: Plane[], options: ColourFitOptions = {}): Plane[] {
  const { width, height } = image;
  if (maps.length === 0) return [];
  for (const m of maps) if (m.width !== width || m.height !== height) throw new Error(`fitPartsToColours: maps must be ${width}×${height} like the image, got ${m.width}×${m.height}`);
  const iterations = options.iterations ?? COLOUR_FIT_DEFAULTS.iterations;
  const beta = options.priorWeight ?? COLOUR_FIT_DEFAULTS.priorWeight;
  const mix = options.uniformMix ?? COLOUR_FIT_DEFAULTS.uniformMix;
  const s = Math.max(1, Math.floor(options.subsample ?? Math.round(Math.min(width, height) / COLOUR_FIT_DEFAULTS.gridSide)));
  const fullRgb = colourPlanes(image);
  // the prior at image size, for the fits that need every part's (one Gaussian per part, or no rounds)
  const full = (): Grid => ({ width, height, rgb: fullRgb, logPrior: logPriors(maps.map((m) => m.data), beta, mix) });
  const shrink = (data: Float32Array) => (s === 1 ? data : downsampleArea({ width, height, data }, s).data);
  const small: Grid = { ...downsampleArea({ width, height, data: fullRgb[0] }, s), rgb: fullRgb.map(shrink), logPrior: logPriors(maps.map((m) => shrink(m.data)), beta, mix) };
  const window = options.window ?? COLOUR_FIT_DEFAULTS.windowFraction * Math.min(width, height);
  if (!(window > 0)) throw new Error(`fitPartsToColours: window must be a positive number of pixels or Infinity, got ${window}`);
  if (window === Infinity) {
    let models: ColourModel[] | undefined;
    for (let it = 0; it < iterations; it++) models = posteriors(small, models?.map((m) => logLikelihood(small.rgb, m))).map((weight) => colourModel(small.rgb, weight));
    return posteriors(full(), models?.map((m) => logLikelihood(fullRgb, m))).map((data) => ({ width, height, data }));
  }
  const box = new BoxFilter(small.width, small.height);
  const radius = Math.max(1, Math.round(window / s));
  const shrinkWeight = options.shrink ?? COLOUR_FIT_DEFAULTS.shrink;
  let stats: Float32Array[][] | undefined;
  for (let it = 0; it < iterations; it++) stats = posteriors(small, stats?.map((st) => localLogLikelihood(small.rgb, st))).map((weight) => localMoments(small.rgb, weight, box, radius, shrinkWeight));
  if (!stats) return posteriors(full()).map((data) => ({ width, height, data }));
  const onGrid = posteriors(small, stats.map((st) => localLogLikelihood(small.rgb, st)));
  return imagePosteriors({ width, height, rgb: fullRgb }, maps.map((m) => m.data), small, stats, onGrid, beta, mix).map((data) => ({ width, height, data }));
}
