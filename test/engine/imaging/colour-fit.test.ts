/** Refined parts fitted to one image's colours: boundaries move onto the image's, the prior keeps each part's place. */
import { fitPartsToColours } from "../../../companion-server/src/engine/imaging/colour-fit";
import { Plane, resizeBilinear } from "../../../companion-server/src/engine/imaging/resample";

const SIZE = 64;

/** Dark red left of `edge`, light blue from it on, with a little seeded texture so neither colour is flat. */
function twoColours(edge: number) {
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 20 - 10;
  for (let i = 0; i < SIZE * SIZE; i++) {
    const base = i % SIZE < edge ? [120, 40, 40] : [150, 190, 230];
    rgba.set([...base.map((v) => v + noise()), 255], i * 4);
  }
  return { width: SIZE, height: SIZE, rgba };
}

/** Two parts split at column `split` of a 4×4 feature grid, upsampled bilinearly to the image. */
function priorMaps(split: number): Plane[] {
  const left = { width: 4, height: 4, data: Float32Array.from({ length: 16 }, (_, i) => (i % 4 < split ? 1 : 0)) };
  const right = { ...left, data: left.data.map((v) => 1 - v) };
  return [left, right].map((m) => resizeBilinear(m, { width: SIZE, height: SIZE }));
}

const row = (maps: Plane[], y: number) => Array.from({ length: SIZE }, (_, x) => (maps[0].data[y * SIZE + x] >= maps[1].data[y * SIZE + x] ? 0 : 1));

it("moves a part's boundary onto the image's colour edge", () => {
  // the prior puts the boundary at x = 32; the picture's edge is at x = 38, where the prior still favours the right part 3:1
  const before = priorMaps(2);
  expect(row(before, 30).indexOf(1)).toBe(32);
  expect(before[1].data[30 * SIZE + 37]).toBeGreaterThan(3 * before[0].data[30 * SIZE + 37]);
  const fitted = fitPartsToColours(twoColours(38), before);
  for (const y of [0, 30, 63]) expect(row(fitted, y).indexOf(1)).toBe(38);
  for (let i = 0; i < SIZE * SIZE; i++) {
    expect(fitted[0].data[i]).toBeGreaterThanOrEqual(0);
    expect(fitted[0].data[i] + fitted[1].data[i]).toBeCloseTo(1, 5);
  }
});

it("keeps the prior's split where the colours do not tell the parts apart", () => {
  const uniform = twoColours(SIZE); // all dark red
  const fitted = fitPartsToColours(uniform, priorMaps(2));
  expect(row(fitted, 30).indexOf(1)).toBe(32);
});

it("models each part's colours locally: the boundary follows the edge where each part wears both colours across the picture", () => {
  // top half: dark red left of x = 38, light blue right of it; bottom half: the colours swapped. Over the
  // whole image both parts are half red, half blue, so one Gaussian per part cannot tell them apart.
  const top = twoColours(38);
  const rgba = Uint8Array.from(top.rgba);
  for (let i = (SIZE * SIZE) / 2; i < SIZE * SIZE; i++) rgba.set(i % SIZE < 38 ? [150, 190, 230] : [120, 40, 40], i * 4);
  const swapped = { width: SIZE, height: SIZE, rgba };
  // local (the default, an 8-px window here): within 2 px of the edge, away from the prior's x = 32
  const local = fitPartsToColours(swapped, priorMaps(2));
  for (const y of [4, 20, 44, 60]) expect(row(local, y).indexOf(1)).toBeGreaterThanOrEqual(36);
  for (const y of [4, 20, 44, 60]) expect(row(local, y).indexOf(1)).toBeLessThanOrEqual(38);
  const global = fitPartsToColours(swapped, priorMaps(2), { window: Infinity });
  for (const y of [4, 20, 44, 60]) expect(row(global, y).indexOf(1)).toBe(32);
});

it("gives a part no share of a pixel where it is absent on the fitting grid around it; the parts present there share all of it", () => {
  // a third part, a red one in the top-left corner only: the blue side is far from anything it
  // resembles, so it takes exactly 0 there (a dense fit would give it a vanishing share)
  const corner = { width: SIZE, height: SIZE, data: Float32Array.from({ length: SIZE * SIZE }, (_, i) => (i % SIZE < 8 && i < 8 * SIZE ? 1 : 0)) };
  const fitted = fitPartsToColours(twoColours(32), [...priorMaps(2), corner]);
  expect(fitted[2].data[60 * SIZE + 60]).toBe(0);
  expect(fitted[2].data[2 * SIZE + 2]).toBeGreaterThan(0.01);
  for (let i = 0; i < SIZE * SIZE; i++) expect(fitted[0].data[i] + fitted[1].data[i] + fitted[2].data[i]).toBeCloseTo(1, 5);
  expect(row(fitted, 60).indexOf(1)).toBe(32);
});

it("refuses maps of another size than the image, and a window that is not a positive size", () => {
  expect(() => fitPartsToColours(twoColours(32), [{ width: 4, height: 4, data: new Float32Array(16) }])).toThrow("maps must be 64×64 like the image, got 4×4");
  expect(() => fitPartsToColours(twoColours(32), priorMaps(2), { window: 0 })).toThrow("window must be a positive number of pixels or Infinity, got 0");
});
