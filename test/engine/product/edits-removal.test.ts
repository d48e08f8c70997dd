/** Edits Z' = Z + Σ λ a ⊗ p̂ and both kinds of part removal, on the math alone. */
import { applyEdits, editRegion } from "../../../companion-server/src/engine/panda/edits";
import { borderPart, BackgroundAccumulator, removalRegion, removeInFeatures, removeInPixels } from "../../../companion-server/src/engine/panda/removal";
import { coordinates, normaliser, SaliencyAccumulator } from "../../../companion-server/src/engine/panda/saliency";
import { Factors } from "../../../companion-server/src/engine/panda/types";
import { quadrantFactors } from "./fixtures";

it("adds λ·a_c ⊗ p̂ with p̂ min–max scaled and a the raw column of A", () => {
  const f: Factors = {
    shape: { channels: 2, height: 1, width: 3 },
    partsRank: 2,
    appearancesRank: 1,
    parts: Float32Array.of(1, 0, 3, 0, 5, 1), // columns (1, 3, 5) and (0, 0, 1)
    appearances: Float32Array.of(2, -1), // a_0 = (2, -1)
  };
  expect(Array.from(editRegion(f, [0]).data)).toEqual([0, 0.5, 1]);
  const z = Float32Array.of(1, 1, 1, 1, 1, 1);
  const { features, region } = applyEdits(f, z, [{ parts: [0], appearance: 0, strength: 10 }]);
  expect(Array.from(features)).toEqual([1, 11, 21, 1, -4, -9]);
  expect(Array.from(region.data)).toEqual([0, 0.5, 1]);
  // two edits add up; the sum of parts 0 and 1 is (1, 3, 6) → (0, 0.4, 1)
  const both = applyEdits(f, z, [
    { parts: [0], appearance: 0, strength: 1 },
    { parts: [0, 1], appearance: 0, strength: 1 },
  ]);
  expect(Array.from(both.features).map((v) => +v.toFixed(5))).toEqual([1, 2.8, 5, 1, 0.1, -1]);
  expect(Array.from(z)).toEqual([1, 1, 1, 1, 1, 1]); // input untouched
});

it("finds the part with most border mass", () => {
  const f = quadrantFactors({ channels: 2, height: 4, width: 4 });
  // make part 2 a ring around the border and the others interior
  f.parts.fill(0);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) f.parts[(y * 4 + x) * 4 + (x === 0 || y === 0 || x === 3 || y === 3 ? 2 : 1)] = 1;
  expect(borderPart(f)).toBe(2);
});

it("picks as background concept the appearance specific to the border part, not one strong everywhere", () => {
  // 4×4 positions: part 0 is the border ring, part 1 the interior; A = I, so coordinates = features
  const f = quadrantFactors({ channels: 3, height: 4, width: 4 });
  f.parts.fill(0);
  const ring = (i: number) => i % 4 === 0 || i % 4 === 3 || i < 4 || i >= 12;
  for (let i = 0; i < 16; i++) f.parts[i * 4 + (ring(i) ? 0 : 1)] = 1;
  const sample = (strong: number, border: number) =>
    Float32Array.from({ length: 48 }, (_, j) => {
      const [c, i] = [Math.floor(j / 16), j % 16];
      return c === 0 ? strong : c === 1 ? (ring(i) ? border : 0) : ring(i) ? 0 : 5;
    });
  const samples = [sample(9, 4), sample(10, 6), Float32Array.from(sample(9, 4), (v, j) => (j === 5 ? 0 : v))];
  const sal = new SaliencyAccumulator(f);
  const bg = new BackgroundAccumulator(f);
  for (const y of samples) {
    sal.add(y);
    bg.add(y);
  }
  const stats = sal.result();
  // appearance 0 is more present in the border (on the normalised scale) but just as present everywhere
  expect(normaliser(stats, 0)(28 / 3)).toBeGreaterThan(normaliser(stats, 1)(14 / 3)); // their mean border values
  expect(bg.result(stats)).toEqual({ part: 0, appearance: 1 });
});

it("in feature space replaces the part's coordinates by the background's and keeps the rest", () => {
  const f = quadrantFactors({ channels: 2, height: 2, width: 2 }); // each position is its own part; A = I
  const z = Float32Array.of(1, 2, 3, 9, 0, 0, 0, 5); // channel rows
  const coords = coordinates(f, z);
  const stats = { samples: 1, min: [0, 0], max: [9, 5], mean: [1, 1] };
  const region = removalRegion(f, [3]);
  expect(Array.from(region.data)).toEqual([0, 0, 0, 1]);
  const { features } = removeInFeatures(f, z, coords, stats, [3], 0, undefined);
  // positions 0–2 untouched; position 3 gets the mean of the others weighted by appearance 0's saliency (1, 2, 3)/9
  expect(Array.from(features.slice(0, 3))).toEqual([1, 2, 3]);
  expect(features[3]).toBeCloseTo((1 * 1 + 2 * 2 + 3 * 3) / 6);
  expect(features[7]).toBeCloseTo(0);
});

it("in pixel space clears or fills exactly the masked pixels", () => {
  const image = { width: 2, height: 1, rgba: Uint8Array.of(10, 20, 30, 255, 200, 100, 50, 255) };
  const mask = { width: 2, height: 1, data: Float32Array.of(0, 1) };
  const presence = { width: 2, height: 1, data: Float32Array.of(1, 1) };
  expect(Array.from(removeInPixels(image, mask, "transparent", presence).rgba)).toEqual([10, 20, 30, 255, 200, 100, 50, 0]);
  expect(Array.from(removeInPixels(image, mask, "background", presence).rgba)).toEqual([10, 20, 30, 255, 10, 20, 30, 255]);
});
