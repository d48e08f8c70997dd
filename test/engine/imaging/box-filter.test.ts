/** Box means in O(N): equal to the brute-force window mean, borders clipped, in place allowed. */
import { BoxFilter, boxMean } from "../../../companion-server/src/engine/imaging/box-filter";

function bruteForce(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let n = 0;
      for (let v = Math.max(0, y - r); v <= Math.min(h - 1, y + r); v++)
        for (let u = Math.max(0, x - r); u <= Math.min(w - 1, x + r); u++) (sum += src[v * w + u]), n++;
      out[y * w + x] = sum / n;
    }
  return out;
}

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

it.each([
  [13, 7, 0],
  [13, 7, 1],
  [13, 7, 3],
  [13, 7, 20], // a window larger than the plane: every pixel is the plane's mean
  [1, 9, 2],
])("equals the brute-force clipped window mean (%i×%i, radius %i)", (w, h, r) => {
  const src = seeded(w * h, w * 31 + h + r);
  const fast = boxMean(src, w, h, r);
  const slow = bruteForce(src, w, h, r);
  fast.forEach((v, i) => expect(v).toBeCloseTo(slow[i], 5));
});

it("keeps a constant plane constant and may write in place", () => {
  const box = new BoxFilter(20, 10);
  const flat = new Float32Array(200).fill(0.3);
  expect(box.mean(flat, 4).every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
  const src = seeded(200, 5);
  const expected = box.mean(src, 2);
  box.mean(src, 2, src);
  expect(Array.from(src)).toEqual(Array.from(expected));
});

it("refuses a plane of the wrong size", () => {
  expect(() => new BoxFilter(4, 4).mean(new Float32Array(15), 1)).toThrow(/4×4 plane has 16 values, got 15/);
});
