/**
 * On large layers the fast solver's phase-2 P-solve takes MX and NX from passes over the samples
 * instead of forming the S×S matrices M and N: the choice follows the flop counts, and both ways
 * solve the same problem.
 */
import { curvatureAlong, solveBlockProblem } from "../../../companion-server/src/engine/panda/block-problem";
import { streamedPartsCheaper } from "../../../companion-server/src/engine/panda/fast-solver";
import { weightedGramsPass, weightedProductsPass } from "../../../companion-server/src/engine/panda/passes";
import { inMemoryFeatures } from "../../../companion-server/src/engine/sampling";
import { Matrix, combine, inner, matrix, multiply, toMatrix } from "../../../companion-server/src/engine/tensor/matrix";
import { OrtBackend } from "../../../companion-server/src/engine/tensor/ort-backend";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { createRng, fillNormal } from "../../../companion-server/src/runtime/random";
import { plantedFeatures } from "../planted";

/** Planted samples (seeded), a random PSD channel weighting B and a random non-negative start with 5 parts. */
function streamedProblem(samplesSeed: number, seed: number) {
  const backend = new OrtBackend(new SessionFactory());
  const planted = plantedFeatures({ channels: 12, count: 16, seed: samplesSeed });
  const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
  const { channels, height, width } = planted.shape;
  const s = height * width;
  const rng = createRng(seed);
  const half = matrix(channels, channels, fillNormal(new Float32Array(channels * channels), rng));
  const weight = multiply(half, half, false, true);
  const start = matrix(s, 5, Float32Array.from({ length: s * 5 }, () => rng()));
  return { backend, source, s, weight, start };
}

test("streams at 64×64 with 256 samples, forms M and N at 32×32 and on small layers", () => {
  expect(streamedPartsCheaper(256, 512, 64 * 64, 16)).toBe(true);
  expect(streamedPartsCheaper(512, 512, 32 * 32, 16)).toBe(false);
  expect(streamedPartsCheaper(512, 512, 16 * 16, 16)).toBe(false);
});

test("streamed products and formed matrices reach the same parts", async () => {
  const { backend, source, s, weight, start } = streamedProblem(5, 3);
  const options = { offset: 0, maxIterations: 40, tolerance: 0 };
  const mn = await weightedGramsPass(source, backend, weight);
  const formed = await solveBlockProblem(backend, { m: toMatrix(s, s, mn.m), n: toMatrix(s, s, mn.n), nonnegative: true }, start, options);
  let passes = 0;
  const streamed = await solveBlockProblem(
    backend,
    {
      nonnegative: true,
      products: (x) => {
        passes++;
        return weightedProductsPass(source, backend, weight, x);
      },
    },
    start,
    options,
  );
  expect(passes).toBeGreaterThan(40);
  expect(streamed.objective / formed.objective).toBeCloseTo(1, 3);
  expect(streamed.solution.data.every((v) => v >= 0)).toBe(true);
  await backend.dispose();
});

test("a streamed iteration costs one pass and its backtracking steps: the momentum point's MX, NX are combined from the last two", async () => {
  const { backend, source, weight, start } = streamedProblem(6, 4);
  let passes = 0;
  const problem = {
    nonnegative: true,
    products: (x: Matrix) => {
      passes++;
      return weightedProductsPass(source, backend, weight, x);
    },
  };
  const f = async (x: Matrix) => {
    const { mx, nx } = await weightedProductsPass(source, backend, weight, x);
    return -2 * inner(x, mx) + inner(multiply(x, nx, true), multiply(x, x, true));
  };
  const solved = await solveBlockProblem(backend, problem, start, { offset: 0, maxIterations: 30, tolerance: 0 });
  expect(solved.iterations).toBe(30);
  // one pass at the start, one per iteration, and a few backtracking ones (two per iteration before)
  expect(passes).toBeGreaterThan(30);
  expect(passes).toBeLessThan(1.5 * 30);
  // the value it reports is the value at its solution, below the start's
  expect(solved.objective / (await f(solved.solution))).toBeCloseTo(1, 5);
  expect(solved.objective).toBeLessThan(await f(start));
  await backend.dispose();
});

test("a deadline ends a streamed solve by then: no iteration starts that is expected to end after it", async () => {
  const { backend, source, weight, start } = streamedProblem(7, 5);
  // A clock that only passes products move: each pass over the samples takes one second.
  let clock = 0;
  const now = jest.spyOn(performance, "now").mockImplementation(() => clock);
  try {
    const problem = {
      nonnegative: true,
      products: async (x: Matrix) => {
        const result = await weightedProductsPass(source, backend, weight, x);
        clock += 1000;
        return result;
      },
    };
    const deadline = 20_500;
    const solved = await solveBlockProblem(backend, problem, start, { offset: 0, maxIterations: 1000, tolerance: 0, deadline });
    expect(clock).toBeLessThanOrEqual(deadline);
    // and it used the time: less than an iteration's two passes were left
    expect(clock).toBeGreaterThan(deadline - 2000);
    expect(solved.iterations).toBeGreaterThan(5);
  } finally {
    now.mockRestore();
    await backend.dispose();
  }
});

test("the curvature along a direction is f's second derivative there (central differences of the quartic)", () => {
  const rng = createRng(8);
  const [s, r] = [9, 3];
  const random = (rows: number, cols: number) => matrix(rows, cols, fillNormal(new Float32Array(rows * cols), rng));
  const halfM = random(s, s);
  const halfN = random(s, s);
  const m = multiply(halfM, halfM, false, true);
  const n = multiply(halfN, halfN, false, true);
  const x = random(s, r);
  const d = random(s, r);
  // f(X) = −2⟨X, MX⟩ + ⟨XᵀNX, XᵀX⟩ along X + tD
  const f = (t: number) => {
    const at = combine([
      [1, x],
      [t, d],
    ]);
    return -2 * inner(at, multiply(m, at)) + inner(multiply(at, multiply(n, at), true), multiply(at, at, true));
  };
  // a quartic's central difference is f''(0) plus h²/12 times its fourth derivative: small at h = 1e-2
  const h = 1e-2;
  const expected = (f(h) - 2 * f(0) + f(-h)) / (h * h) / inner(d, d);
  const curvature = curvatureAlong(x, multiply(n, x), d, multiply(m, d), multiply(n, d));
  expect(Math.abs(curvature / expected - 1)).toBeLessThan(1e-3);
});

test("probing the curvature first: the first step needs no backtracking pass, and the solve is ahead at every pass count", async () => {
  const { backend, source, weight, start } = streamedProblem(5, 3);
  // the objective after each iteration, at the number of passes taken so far
  const run = async (probeCurvature: boolean) => {
    let passes = 0;
    const atPasses: number[] = [];
    const problem = {
      nonnegative: true,
      products: (x: Matrix) => {
        passes++;
        return weightedProductsPass(source, backend, weight, x);
      },
    };
    await solveBlockProblem(backend, problem, start, { offset: 0, maxIterations: 20, tolerance: 0, probeCurvature, onIteration: (_, value) => (atPasses[passes] = value) });
    return atPasses;
  };
  const guessed = await run(false);
  const probed = await run(true);
  // start, probe, step: three passes to the first iterate, where the ‖∇f‖/‖X‖ guess backtracked once more
  expect(probed.findIndex((v) => v !== undefined)).toBe(3);
  expect(guessed.findIndex((v) => v !== undefined)).toBe(4);
  let compared = 0;
  for (let p = 4; p < Math.min(probed.length, guessed.length); p++) {
    if (probed[p] === undefined || guessed[p] === undefined) continue;
    expect(probed[p]).toBeLessThan(guessed[p]);
    compared++;
  }
  expect(compared).toBeGreaterThan(10);
  await backend.dispose();
});
