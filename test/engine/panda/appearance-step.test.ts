/**
 * The A-step's closed form with few samples: Q = Σ W_i(PᵀP)W_iᵀ has rank ≤ N·R_S, and below C its
 * null space's eigenvalues are rounding. B must be zero there (those directions do not enter the
 * objective), and a block solve handed numerically broken M, N must stop rather than run away.
 */
import { lyapunovWeight } from "../../../companion-server/src/engine/panda/appearance-step";
import { solveBlockProblem } from "../../../companion-server/src/engine/panda/block-problem";
import { identity, matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { TypeScriptBackend } from "../../../companion-server/src/engine/tensor/typescript-backend";

const backend = new TypeScriptBackend();

test("Lyapunov B solves BQ + QB = 2K where Q is seen, and is zero between directions whose eigenvalues are float32 rounding", async () => {
  // Q = diag(4, 1, 1e-9·4): the third eigenvalue is rounding next to the first (a rank-2 Q in float32)
  const q = matrix(3, 3, Float32Array.from([4, 0, 0, 0, 1, 0, 0, 0, 4e-9]));
  const k = matrix(3, 3, Float32Array.from([2, 1, 0.5, 1, 3, 0.25, 0.5, 0.25, 1]));
  const { weight } = await lyapunovWeight(backend, k, q, 0);
  const b = (i: number, j: number) => weight.data[i * 3 + j];
  expect(b(0, 0)).toBeCloseTo((2 * 2) / 8, 5);
  expect(b(0, 1)).toBeCloseTo((2 * 1) / 5, 5);
  expect(b(1, 1)).toBeCloseTo((2 * 3) / 2, 5);
  expect(b(0, 2)).toBeCloseTo((2 * 0.5) / 4, 5); // seen through the first direction
  expect(b(2, 2)).toBe(0); // was 2·1 / 8e-9 = 2.5e8
  for (const v of weight.data) expect(Number.isFinite(v)).toBe(true);
});

test("a block solve whose values fall below −Σ‖Z‖² (impossible for a sum of squares) stops at its last sound point", async () => {
  // N = −I makes f unbounded below: what rounding in a garbage weighting did to the P-step
  const s = 6;
  const start = matrix(s, 2, Float32Array.from({ length: s * 2 }, (_, i) => 0.1 + 0.01 * i));
  const offset = 10;
  const negative = matrix(s, s, identity(s).data.map((v) => -v));
  const solved = await solveBlockProblem(backend, { m: identity(s), n: negative, nonnegative: true }, start, { offset, maxIterations: 50, tolerance: 0 });
  expect(Number.isFinite(solved.objective)).toBe(true);
  expect(solved.objective).toBeGreaterThanOrEqual(-1e-3 * offset);
  expect(solved.solution.data.every(Number.isFinite)).toBe(true);
  expect(solved.iterations).toBeLessThan(50);
});
