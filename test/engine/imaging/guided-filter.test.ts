/**
 * The guided filter moves a smooth mask's transition onto the guide image's edge; it is linear in
 * its input, keeps constants, and its fast (subsampled) form lands on the edge too.
 */
import { GuidedFilter, GuideImage } from "../../../companion-server/src/engine/imaging/guided-filter";
import { resizeBilinear } from "../../../companion-server/src/engine/imaging/resample";

/** A size×size image: dark left of `edge`, light from `edge` on (a vertical edge at x = edge − 0.5). */
function edgeImage(size: number, edge: number): GuideImage {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) rgba.set(x < edge ? [40, 60, 90, 255] : [220, 180, 140, 255], (y * size + x) * 4);
  return { width: size, height: size, rgba };
}

/** A coarse half-and-half map (left 1, right 0), as parts come at feature resolution, bilinearly at `size`. */
function coarseStep(cells: number, size: number) {
  const map = { width: cells, height: cells, data: Float32Array.from({ length: cells * cells }, (_, i) => (i % cells < cells / 2 ? 1 : 0)) };
  return resizeBilinear(map, { width: size, height: size });
}

/** Along the middle row: the first x where the map falls below 0.5. */
function crossing(data: Float32Array, size: number): number {
  const row = data.subarray((size / 2) * size, (size / 2 + 1) * size);
  return row.findIndex((v) => v < 0.5);
}

it("puts the mask's 50 % crossing on the image's edge, not where the feature cells meet", () => {
  const size = 64;
  const image = edgeImage(size, 38); // the cells meet at x = 32; the picture's edge is 6 px to the right
  const input = coarseStep(8, size);
  expect(crossing(input.data, size)).toBe(32);
  const filter = new GuidedFilter(image, { radius: 12, epsilon: 1e-3 });
  const once = filter.filter(input);
  expect(crossing(once.data, size)).toBeGreaterThan(33); // one pass: half-way there
  const out = filter.filter(input, 2);
  expect(crossing(out.data, size)).toBe(38);
  // sharp there: a step of more than half the range between two neighbouring pixels
  const row = out.data.subarray(32 * size, 33 * size);
  expect(row[37] - row[38]).toBeGreaterThan(0.5);
  // and the other way: cells meeting right of the image's edge
  const left = new GuidedFilter(edgeImage(size, 27), { radius: 12, epsilon: 1e-3 }).filter(input, 2);
  expect(crossing(left.data, size)).toBe(27);
});

it("is linear in its input and keeps constants", () => {
  const size = 32;
  const filter = new GuidedFilter(edgeImage(size, 13), { radius: 4, epsilon: 1e-2 });
  const p = coarseStep(4, size);
  const q = filter.filter(p).data;
  const affine = filter.filter({ ...p, data: p.data.map((v) => 3 * v - 1) }).data;
  affine.forEach((v, i) => expect(v).toBeCloseTo(3 * q[i] - 1, 4));
  const flat = filter.filter({ width: size, height: size, data: new Float32Array(size * size).fill(0.7) }).data;
  expect(flat.every((v) => Math.abs(v - 0.7) < 1e-4)).toBe(true);
});

it("in its fast form (coefficients at 1/4 resolution) still lands on the edge", () => {
  const size = 256;
  const filter = new GuidedFilter(edgeImage(size, 150), { radius: 48, epsilon: 1e-3, subsample: 4 });
  expect(filter.work).toEqual({ width: 64, height: 64 });
  const out = filter.filter(coarseStep(8, 64), 2);
  expect([out.width, out.height]).toEqual([256, 256]);
  expect(Math.abs(crossing(out.data, size) - 150)).toBeLessThanOrEqual(1);
});

it("refuses inputs of the wrong size and bad options, naming them", () => {
  const image = edgeImage(16, 8);
  expect(() => new GuidedFilter(image, { radius: 2, epsilon: 0 })).toThrow(/epsilon > 0/);
  expect(() => new GuidedFilter(image, { radius: 2, epsilon: 1e-3 }).filter(coarseStep(4, 8))).toThrow(/input is 8×8, the filter works at 16×16/);
});
