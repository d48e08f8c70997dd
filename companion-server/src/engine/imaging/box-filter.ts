/**
 * Box means in O(N), independent of the radius: a running sum along rows, then along columns.
 * Windows are clipped at the borders and divided by the number of pixels they cover, so a constant
 * plane stays constant. Pure TypeScript (no Node imports): it runs in browsers too.
 */

/** Scratch buffers reused across calls on planes of one size (the filters run many box means). */
export class BoxFilter {
  private readonly rows: Float32Array;
  private readonly colSums: Float64Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rows = new Float32Array(width * height);
    this.colSums = new Float64Array(width);
  }

  /** The mean of `src` over the (2r+1)² window around every pixel, into `out` (may be `src`). */
  mean(src: Float32Array, radius: number, out: Float32Array = new Float32Array(src.length)): Float32Array {
    const { width: w, height: h } = this;
    if (src.length !== w * h) throw new Error(`BoxFilter: a ${w}×${h} plane has ${w * h} values, got ${src.length}`);
    const r = Math.max(0, Math.floor(radius));
    const rows = this.rows;
    // Along each row: window sums [x − r, x + r] clipped to the row, divided by their length.
    for (let y = 0; y < h; y++) {
      const o = y * w;
      let sum = 0;
      for (let x = 0; x <= Math.min(r, w - 1); x++) sum += src[o + x];
      for (let x = 0; x < w; x++) {
        const lo = Math.max(0, x - r);
        const hi = Math.min(w - 1, x + r);
        rows[o + x] = sum / (hi - lo + 1);
        if (x + r + 1 < w) sum += src[o + x + r + 1];
        if (x - r >= 0) sum -= src[o + x - r];
      }
    }
    // Along each column, all columns at once (row-major friendly): colSums holds rows [y − r, y + r].
    const cs = this.colSums;
    cs.fill(0);
    for (let y = 0; y <= Math.min(r, h - 1); y++) for (let x = 0, o = y * w; x < w; x++) cs[x] += rows[o + x];
    for (let y = 0; y < h; y++) {
      const inv = 1 / (Math.min(h - 1, y + r) - Math.max(0, y - r) + 1);
      const o = y * w;
      for (let x = 0; x < w; x++) out[o + x] = cs[x] * inv;
      const add = y + r + 1;
      const drop = y - r;
      if (add < h) for (let x = 0, a = add * w; x < w; x++) cs[x] += rows[a + x];
      if (drop >= 0) for (let x = 0, d = drop * w; x < w; x++) cs[x] -= rows[d + x];
    }
    return out;
  }
}

/** One-off box mean (allocates its scratch buffers). */
export function boxMean(src: Float32Array, width: number, height: number, radius: number): Float32Array {
  return new BoxFilter(width, height).mean(src, radius);
}
