/** Saliency: AᵀZ, statistics across samples, normalisation and the notebooks' threshold. */
import { coordinates, normaliser, saliency, SaliencyAccumulator, saliencyThreshold } from "../../../companion-server/src/engine/panda/saliency";
import { Factors } from "../../../companion-server/src/engine/panda/types";

/** C = 2 channels, 1×2 positions, R_C = 2 with a non-trivial A. */
const factors: Factors = {
  shape: { channels: 2, height: 1, width: 2 },
  partsRank: 1,
  appearancesRank: 2,
  parts: Float32Array.of(1, 1),
  appearances: Float32Array.of(1, 2, 3, -1), // A = [[1, 2], [3, -1]]
};

it("computes the coordinates AᵀZ", () => {
  // Z = [[1, 0], [0, 2]] (rows = channels)
  const y = coordinates(factors, Float32Array.of(1, 0, 0, 2));
  // AᵀZ = [[1, 6], [2, -2]]
  expect(Array.from(y)).toEqual([1, 6, 2, -2]);
});

it("collects min, max and mean of each appearance over samples and positions", () => {
  const acc = new SaliencyAccumulator(factors);
  acc.add(Float32Array.of(1, 6, 2, -2));
  acc.add(Float32Array.of(-1, 3, 0, 4));
  expect(acc.result()).toEqual({ samples: 2, min: [-1, -2], max: [6, 4], mean: [(3.5 + 1) / 2, (0 + 2) / 2] });
});

it("normalises with the stored statistics, clamps, and thresholds at the normalised mean", () => {
  const stats = { samples: 2, min: [-1, -2], max: [6, 4], mean: [2.25, 1] };
  const n = normaliser(stats, 0);
  expect([n(-1), n(6), n(2.5), n(100), n(-100)]).toEqual([0, 1, 0.5, 1, 0]);
  expect(saliencyThreshold(stats, 1)).toBeCloseTo(0.5);
  const s = saliency(Float32Array.of(-1, 6, -2, 4), factors, stats, 1, { width: 2, height: 1 });
  expect(Array.from(s.heat.data)).toEqual([0, 1]);
  expect(Array.from(s.mask.data)).toEqual([0, 1]);
  const up = saliency(Float32Array.of(-1, 6, -2, 4), factors, stats, 0, { width: 8, height: 4 });
  expect([up.heat.width, up.heat.height]).toEqual([8, 4]);
  expect(up.heat.data.every((v) => v >= 0 && v <= 1)).toBe(true);
});

it("maps a concept that never varied to zero rather than dividing by zero", () => {
  const stats = { samples: 1, min: [3, 0], max: [3, 1], mean: [3, 0.5] };
  expect(normaliser(stats, 0)(3)).toBe(0);
  expect(saliencyThreshold(stats, 0)).toBe(0);
});
