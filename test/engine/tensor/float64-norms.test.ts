/**
 * Squared norms over StyleGAN-size batches (millions of values: four 512×64×64 samples are 8 M) are
 * summed in float64 by the caller, the graphs reducing only over one channel's positions. A float32
 * running sum over the whole batch stops adding values below half its last digit and read the
 * coarse start's and the final objective percents low.
 */
import { OrtBackend } from "../../../companion-server/src/engine/tensor/ort-backend";
import { FeatureBatchView } from "../../../companion-server/src/engine/tensor/backend";
import { matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { createRng, fillNormal } from "../../../companion-server/src/runtime/random";

const [count, channels, height, width] = [4, 512, 64, 64];
const positions = height * width;
const data = fillNormal(new Float32Array(count * channels * positions), createRng(10));
const batch: FeatureBatchView = { data, count, channels, positions };

function float64SquaredNorm(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return sum;
}

function float32RunningSquaredNorm(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum = Math.fround(sum + Math.fround(v * v));
  return sum;
}

const backend = new OrtBackend(new SessionFactory());
afterAll(() => backend.dispose());

test("the case is one a float32 running sum misreads by more than 1 %", () => {
  const exact = float64SquaredNorm(data);
  expect(Math.abs(float32RunningSquaredNorm(data) / exact - 1)).toBeGreaterThan(0.01);
});

test("the objective's terms read ‖Z‖² of a 64×64 batch to float64 accuracy", async () => {
  const exact = float64SquaredNorm(data);
  // A = 0, P = 0: the residual is Z itself
  const terms = await backend.objectiveTerms(batch, matrix(channels, 1), matrix(positions, 1));
  expect(terms.squaredNorm / exact).toBeCloseTo(1, 6);
  expect(terms.residual / exact).toBeCloseTo(1, 6);
});

test("the coarse start's half resolution reads ‖Z‖² and ‖Z′‖² to float64 accuracy", async () => {
  const half = await backend.halfResolution(batch, height, width);
  expect(half.squaredNorm / float64SquaredNorm(data)).toBeCloseTo(1, 6);
  expect(half.pooledSquaredNorm / float64SquaredNorm(half.pooled)).toBeCloseTo(1, 6);
});
