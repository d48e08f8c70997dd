/**
 * Parts fitted to one image's colours: the last step of per-image refinement. The parts, refined in
 * feature space and upsampled to the image, are a prior π_k(x) at every pixel; each part gets a
 * colour model of this image (a Gaussian in RGB with full covariance, weighted by where the part
 * is), and each pixel's part posterior is ∝ π_k(x)^β · N(I(x); μ_k, Σ_k). A few EM rounds re-fit
 * the colours to the posteriors. A part's boundary then lies where this image's colours change —
 * hair, face and background of this face — anywhere the prior leaves room, not only within the
 * guided filter's window; the prior keeps part k where the global part k is, so parts keep their
 * meaning. The rounds run on an area-downsampled grid (≈128 px, like the guided filter's
 * coefficients), the final posterior at full size.
 * Pure TypeScript over arrays (no Node imports): it runs on a worker or in a browser.
 */
import { colourPlanes, defaultSubsample, GuideImage } from "./guided-filter";
import { downsampleArea, Plane, Size } from "./resample";

export interface ColourFitOptions {
  /** EM rounds (default 5) */
  iterations?: number;
  /** β, the weight of the parts' prior against the colour likelihood (default 2) */
  priorWeight?: number;
  /** the prior mixes in this much of a uniform choice, so colours can overrule it (default 0.1) */
  uniformMix?: number;
  /** fit on a grid 1/subsample the image's size (default ≈ side/128) */
  subsample?: number;
}

export const COLOUR_FIT_DEFAULTS = { iterations: 5, priorWeight: 2, uniformMix: 0.1 } as const;

/** variance added to each colour channel's (0…1) so a flat part keeps a usable Gaussian */
const COLOUR_VARIANCE_FLOOR = 1e-3;

interface Grid extends Size {
  /** colour planes in 0…1 */
  rgb: Float32Array[];
  /** β·log π_k per part */
  logPrior: Float32Array[];
}

/** A Gaussian's mean, inverse covariance (rr, rg, rb, gg, gb, bb) and −½ log det Σ. */
interface ColourModel {
  mean: [number, number, number];
  inverse: [number, number, number, number, number, number];
  logNorm: number;
}

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

/** Posteriors ∝ exp(logPrior + log-likelihood) per pixel; with no models, the prior alone. */
function posteriors(grid: Grid, models?: ColourModel[]): Float32Array[] {
  const k = grid.logPrior.length;
  const n = grid.width * grid.height;
  const out = grid.logPrior.map((l) => Float32Array.from(l));
  const [r, g, b] = grid.rgb;
  if (models)
    models.forEach((m, q) => {
      const [mr, mg, mb] = m.mean;
      const [irr, irg, irb, igg, igb, ibb] = m.inverse;
      const o = out[q];
      for (let i = 0; i < n; i++) {
        const x = r[i] - mr;
        const y = g[i] - mg;
        const z = b[i] - mb;
        o[i] += m.logNorm - 0.5 * (irr * x * x + igg * y * y + ibb * z * z + 2 * (irg * x * y + irb * x * z + igb * y * z));
      }
    });
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let q = 0; q < k; q++) if (out[q][i] > max) max = out[q][i];
    let sum = 0;
    for (let q = 0; q < k; q++) sum += out[q][i] = Math.exp(out[q][i] - max);
    for (let q = 0; q < k; q++) out[q][i] /= sum;
  }
  return out;
}

/** The colour Gaussian of one part, each pixel weighted by its posterior. */
function colourModel([r, g, b]: Float32Array[], weight: Float32Array): ColourModel {
  let w = 0;
  let mr = 0;
  let mg = 0;
  let mb = 0;
  for (let i = 0; i < weight.length; i++) {
    const v = weight[i];
    w += v;
    mr += v * r[i];
    mg += v * g[i];
    mb += v * b[i];
  }
  w = Math.max(w, 1e-6);
  (mr /= w), (mg /= w), (mb /= w);
  let a = 0;
  let ab = 0;
  let ac = 0;
  let d = 0;
  let de = 0;
  let f = 0;
  for (let i = 0; i < weight.length; i++) {
    const v = weight[i];
    const x = r[i] - mr;
    const y = g[i] - mg;
    const z = b[i] - mb;
    a += v * x * x;
    ab += v * x * y;
    ac += v * x * z;
    d += v * y * y;
    de += v * y * z;
    f += v * z * z;
  }
  a = a / w + COLOUR_VARIANCE_FLOOR;
  d = d / w + COLOUR_VARIANCE_FLOOR;
  f = f / w + COLOUR_VARIANCE_FLOOR;
  (ab /= w), (ac /= w), (de /= w);
  // cofactors of the symmetric [[a ab ac] [ab d de] [ac de f]]
  const c00 = d * f - de * de;
  const c01 = ac * de - ab * f;
  const c02 = ab * de - ac * d;
  const det = a * c00 + ab * c01 + ac * c02;
  return {
    mean: [mr, mg, mb],
    inverse: [c00 / det, c01 / det, c02 / det, (a * f - ac * ac) / det, (ab * ac - a * de) / det, (a * d - ab * ab) / det],
    logNorm: -0.5 * Math.log(det),
  };
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
  const s = Math.max(1, Math.floor(options.subsample ?? defaultSubsample(image)));
  const fullRgb = colourPlanes(image);
  const full: Grid = { width, height, rgb: fullRgb, logPrior: logPriors(maps.map((m) => m.data), beta, mix) };
  const shrink = (data: Float32Array) => downsampleArea({ width, height, data }, s).data;
  const small: Grid = s === 1 ? full : { ...downsampleArea({ width, height, data: fullRgb[0] }, s), rgb: fullRgb.map(shrink), logPrior: logPriors(maps.map((m) => shrink(m.data)), beta, mix) };
  let models: ColourModel[] | undefined;
  for (let it = 0; it < iterations; it++) {
    const post = posteriors(small, models);
    models = post.map((weight) => colourModel(small.rgb, weight));
  }
  return posteriors(full, models).map((data) => ({ width, height, data }));
}
