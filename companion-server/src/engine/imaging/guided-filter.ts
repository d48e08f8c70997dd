/**
 * The guided filter (He, Sun, Tang, "Guided Image Filtering", TPAMI 2013) with a colour guide, in
 * its fast form (He & Sun 2015: coefficients at 1/s resolution, upsampled, applied to the full
 * guide). Filtering a smooth, upsampled mask with the image as guide moves the mask's transitions
 * onto the image's edges: in every window the output is a linear function of the guide's colour,
 * fitted to the input, so where the mask changes inside a window it changes where the colour does.
 * O(N) per input (box means) and linear in the input, so many masks of one image share the guide's
 * statistics (computed once). Pure TypeScript: it runs in browsers too.
 */
import { BoxFilter } from "./box-filter";
import { downsampleArea, Plane, resizeBilinear, Size } from "./resample";

/** An 8-bit RGBA image, row-major, straight alpha (the server's RgbaImage has this shape). */
export interface GuideImage extends Size {
  rgba: Uint8Array;
}

export interface GuidedFilterOptions {
  /** window radius in image pixels */
  radius: number;
  /** regularisation ε on the guide's variance (guide values in 0…1): larger = smoother, less edge-bound */
  epsilon: number;
  /** compute the coefficients at 1/subsample resolution (default ≈ side/128: 2 at 256 px, 8 at 1024 px) */
  subsample?: number;
}

/** The coefficients are smooth (window means), so a ~128-px grid keeps the edges the full guide draws (He & Sun use s = 4). */
export function defaultSubsample(size: Size): number {
  return Math.max(1, Math.round(Math.min(size.width, size.height) / 128));
}

/** The image's colour planes in 0…1 at full resolution. */
export function colourPlanes(image: GuideImage): Float32Array[] {
  const n = image.width * image.height;
  const planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planes[c][i] = image.rgba[i * 4 + c] / 255;
  return planes;
}

export class GuidedFilter {
  /** the resolution the coefficients are computed at; `filter` takes inputs of this size */
  readonly work: Size;
  readonly size: Size;
  private readonly box: BoxFilter;
  private readonly radius: number;
  private readonly full: Float32Array[];
  private readonly low: Float32Array[];
  private readonly meanGuide: Float32Array[];
  /** (Σ + εI)⁻¹ per pixel, symmetric: rr, rg, rb, gg, gb, bb */
  private readonly inverse: Float32Array[];

  constructor(guide: GuideImage, options: GuidedFilterOptions) {
    if (guide.rgba.length !== guide.width * guide.height * 4) throw new Error(`GuidedFilter: a ${guide.width}×${guide.height} RGBA guide has ${guide.width * guide.height * 4} bytes, got ${guide.rgba.length}`);
    if (!(options.radius >= 0) || !(options.epsilon > 0)) throw new Error(`GuidedFilter: radius must be ≥ 0 and epsilon > 0 (got ${options.radius}, ${options.epsilon})`);
    const s = Math.max(1, Math.floor(options.subsample ?? defaultSubsample(guide)));
    this.size = { width: guide.width, height: guide.height };
    this.full = colourPlanes(guide);
    this.low = s === 1 ? this.full : this.full.map((data) => downsampleArea({ ...this.size, data }, s).data);
    this.work = s === 1 ? this.size : { width: Math.ceil(guide.width / s), height: Math.ceil(guide.height / s) };
    this.radius = Math.max(1, Math.round(options.radius / s));
    this.box = new BoxFilter(this.work.width, this.work.height);
    const n = this.work.width * this.work.height;
    this.meanGuide = this.low.map((plane) => this.box.mean(plane, this.radius));
    const product = new Float32Array(n);
    const cov = (a: number, b: number): Float32Array => {
      for (let i = 0; i < n; i++) product[i] = this.low[a][i] * this.low[b][i];
      const m = this.box.mean(product, this.radius);
      for (let i = 0; i < n; i++) m[i] -= this.meanGuide[a][i] * this.meanGuide[b][i];
      return m;
    };
    const [rr, rg, rb, gg, gb, bb] = [cov(0, 0), cov(0, 1), cov(0, 2), cov(1, 1), cov(1, 2), cov(2, 2)];
    const eps = options.epsilon;
    this.inverse = Array.from({ length: 6 }, () => new Float32Array(n));
    const [irr, irg, irb, igg, igb, ibb] = this.inverse;
    for (let i = 0; i < n; i++) {
      const a = rr[i] + eps;
      const d = gg[i] + eps;
      const f = bb[i] + eps;
      const b = rg[i];
      const c = rb[i];
      const e = gb[i];
      // cofactors of the symmetric [[a b c] [b d e] [c e f]]
      const c00 = d * f - e * e;
      const c01 = c * e - b * f;
      const c02 = b * e - c * d;
      const det = a * c00 + b * c01 + c * c02;
      irr[i] = c00 / det;
      irg[i] = c01 / det;
      irb[i] = c02 / det;
      igg[i] = (a * f - c * c) / det;
      igb[i] = (b * c - a * e) / det;
      ibb[i] = (a * d - b * b) / det;
    }
  }

  /**
   * The filtered input at image size; `input` is a plane at `work` size. Each further pass filters
   * the previous output again: a transition that starts up to a window away from the image's edge
   * first gets a step at the edge, then the same-coloured side fills in, so it lands on the edge.
   */
  filter(input: Plane, passes = 1): Plane {
    const { width, height } = this.work;
    if (input.width !== width || input.height !== height) throw new Error(`GuidedFilter: input is ${input.width}×${input.height}, the filter works at ${width}×${height}`);
    let p = input.data;
    for (let pass = 1; pass < passes; pass++) p = this.apply(this.coefficients(p), this.low);
    let coeffs = this.coefficients(p);
    if (width !== this.size.width || height !== this.size.height) coeffs = coeffs.map((data) => resizeBilinear({ width, height, data }, this.size).data);
    return { ...this.size, data: this.apply(coeffs, this.full) };
  }

  /** q = mean(a)·I + mean(b) with the guide's planes at the coefficients' resolution. */
  private apply([qr, qg, qb, q0]: Float32Array[], [ir, ig, ib]: Float32Array[]): Float32Array {
    const out = new Float32Array(ir.length);
    for (let i = 0; i < out.length; i++) out[i] = qr[i] * ir[i] + qg[i] * ig[i] + qb[i] * ib[i] + q0[i];
    return out;
  }

  /** The window means of a (3 planes) and b of the local linear models q = a·I + b fitted to p. */
  private coefficients(p: Float32Array): Float32Array[] {
    const n = this.work.width * this.work.height;
    const r = this.radius;
    const meanP = this.box.mean(p, r);
    const covIp = this.low.map((plane, c) => {
      const prod = new Float32Array(n);
      for (let i = 0; i < n; i++) prod[i] = plane[i] * p[i];
      const m = this.box.mean(prod, r, prod);
      const mg = this.meanGuide[c];
      for (let i = 0; i < n; i++) m[i] -= mg[i] * meanP[i];
      return m;
    });
    const [irr, irg, irb, igg, igb, ibb] = this.inverse;
    const [cr, cg, cb] = covIp;
    const [mr, mg, mb] = this.meanGuide;
    const ar = new Float32Array(n);
    const ag = new Float32Array(n);
    const ab = new Float32Array(n);
    const b = meanP; // reused in place: b = mean(p) − a·mean(I)
    for (let i = 0; i < n; i++) {
      ar[i] = irr[i] * cr[i] + irg[i] * cg[i] + irb[i] * cb[i];
      ag[i] = irg[i] * cr[i] + igg[i] * cg[i] + igb[i] * cb[i];
      ab[i] = irb[i] * cr[i] + igb[i] * cg[i] + ibb[i] * cb[i];
      b[i] -= ar[i] * mr[i] + ag[i] * mg[i] + ab[i] * mb[i];
    }
    return [ar, ag, ab, b].map((plane) => this.box.mean(plane, r, plane));
  }
}
