/** Block, bilinear and Lanczos upsampling and the area mean, with half-pixel centres. */
import { bilinearTaps, downsampleArea, resizeBilinear, resizeLanczos, resizeNearest } from "../../../companion-server/src/engine/imaging/resample";

const plane = (width: number, height: number, f: (x: number, y: number) => number) => ({
  width,
  height,
  data: Float32Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))),
});

it("block upsampling repeats every cell", () => {
  const up = resizeNearest(plane(2, 2, (x, y) => x + 2 * y), { width: 4, height: 6 });
  expect(Array.from(up.data)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3, 2, 2, 3, 3]);
});

it("bilinear upsampling interpolates between centres and clamps at the edges", () => {
  expect(Array.from(resizeBilinear(plane(2, 1, (x) => x), { width: 4, height: 1 }).data)).toEqual([0, 0.25, 0.75, 1]);
});

it("Lanczos keeps constants, reproduces a ramp away from the borders, and sharpens a step more than bilinear", () => {
  const flat = resizeLanczos(plane(5, 4, () => 2), { width: 40, height: 32 });
  expect(flat.data.every((v) => Math.abs(v - 2) < 1e-5)).toBe(true);
  const ramp = resizeLanczos(plane(16, 1, (x) => x), { width: 64, height: 1 });
  for (let x = 16; x < 48; x++) expect(Math.abs(ramp.data[x] - ((x + 0.5) / 4 - 0.5))).toBeLessThan(0.02);
  const step = plane(8, 1, (x) => (x < 4 ? 0 : 1));
  const size = { width: 64, height: 1 };
  const lanczos = resizeLanczos(step, size).data;
  const bilinear = resizeBilinear(step, size).data;
  // the slope at the step's centre is steeper
  expect(lanczos[32] - lanczos[31]).toBeGreaterThan(bilinear[32] - bilinear[31]);
});

it("the area mean averages blocks, partial ones at the border", () => {
  const down = downsampleArea(plane(5, 2, (x) => x), 2);
  expect([down.width, down.height]).toEqual([3, 1]);
  expect(Array.from(down.data)).toEqual([0.5, 2.5, 4]);
});

test("bilinearTaps: each output pixel's two input pixels and the second one's weight, centres at half-integers, edges clamped", () => {
  // 2 → 4: output centres 0.5, 1.5, 2.5, 3.5 sample the input at −0.25, 0.25, 0.75, 1.25 (clamped to 0 … 1)
  const taps = bilinearTaps(2, 4);
  expect(Array.from(taps.lo)).toEqual([0, 0, 0, 1]);
  expect(Array.from(taps.hi)).toEqual([1, 1, 1, 1]);
  expect(Array.from(taps.t)).toEqual([0, 0.25, 0.75, 0]);
  // resizeBilinear interpolates with these taps along both axes
  const map = { width: 2, height: 1, data: Float32Array.from([0, 8]) };
  expect(Array.from(resizeBilinear(map, { width: 4, height: 1 }).data)).toEqual([0, 2, 6, 8]);
});
