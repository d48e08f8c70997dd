/**
 * Both blocks of the PandA objective have the same form once the samples are summed into two
 * symmetric matrices (DESIGN §4):
 *   min_X f(X) = −2 tr(XᵀMX) + tr(XᵀNX·XᵀX)
 *   P-block: X = P ≥ 0,  M = Σ Z_iᵀAAᵀZ_i,  N = Σ Z_iᵀ(AAᵀ)²Z_i   (S×S; M = N when AᵀA = I,
 *            and M = N = Σ Z_iᵀZ_i when moreover R_C = C: a symmetric-NMF problem)
 *   A-block: X = A (free),  M = K = Σ W_iW_iᵀ,  N = Q = Σ W_i(PᵀP)W_iᵀ   (C×C, W_i = Z_iP)
 * Solved full-batch by accelerated (projected) gradient — FISTA — with backtracking on the step
 * and function-value restarts (O'Donoghue & Candès), since f is non-convex and momentum can
 * overshoot. An iteration costs two or three products with M and N: with M and N formed, no pass
 * over the samples; or, where forming the S×S matrices costs more than the products themselves
 * (large layers), `products` computes MX and NX from the samples in one streamed pass.
 * MX and NX are linear in X, so the momentum point's products are the same combination of the
 * last two iterates' products: an iteration costs one evaluation (one pass when streamed), plus
 * one per backtracking step, instead of two.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix, combine, frobeniusSquared, inner, matrix, multiply, projectedStep, transpose } from "../tensor/matrix";
import { throwIfCancelled } from "./cancellation";

export interface BlockProblem {
  m?: Matrix;
  /** defaults to M (the orthonormal-A case) */
  n?: Matrix;
  /** MX and NX without forming M and N (e.g. a pass over the samples; linear in X); used instead of m and n */
  products?: (x: Matrix) => Promise<{ mx: Matrix; nx: Matrix }>;
  /** project onto X ≥ 0 (the parts) */
  nonnegative: boolean;
}

async function products(backend: TensorBackend, problem: BlockProblem, x: Matrix): Promise<{ mx: Matrix; nx: Matrix }> {
  if (problem.products) return problem.products(x);
  if (!problem.m) throw new Error("a block problem needs m (and n) or products");
  const mx = await backend.matmul(problem.m, x);
  return { mx, nx: problem.n ? await backend.matmul(problem.n, x) : mx };
}

/**
 * Runs `use` on the problem with its formed M and N kept on the backend (FixedProducts), so that
 * the solve's hundreds of products send only X; released afterwards. Problems given as `products`
 * pass through as they are.
 */
export async function withFixedMatrices<T>(backend: TensorBackend, problem: BlockProblem, use: (problem: BlockProblem) => Promise<T>): Promise<T> {
  if (problem.products || !problem.m) return use(problem);
  const fixed = await backend.fixedProducts(problem.m, problem.n);
  try {
    return await use({ nonnegative: problem.nonnegative, products: (x) => fixed.products(x) });
  } finally {
    await fixed.release();
  }
}

export interface BlockProblemOptions {
  /** Σ‖Z_i‖²: added to f to give the objective (summed over samples) */
  offset: number;
  maxIterations: number;
  /** stop after `patience` iterations in a row that improve the objective by less than this fraction */
  tolerance: number;
  patience?: number;
  signal?: AbortSignal;
  /**
   * performance.now() by which the solve ends: no iteration starts that would be expected to end
   * after it (the best point so far is returned; at least one iteration runs)
   */
  deadline?: number;
  /**
   * Start the step size from the curvature along the descent direction, at the cost of one more
   * product: where products are passes over the samples, the ‖∇f‖/‖X‖ guess cost ~7 backtracking
   * passes on a real 64×64 layer.
   */
  probeCurvature?: boolean;
  onIteration?: (iteration: number, objective: number) => void;
}

export interface BlockProblemResult {
  solution: Matrix;
  /** offset + f(X): the objective summed over samples */
  objective: number;
  iterations: number;
  /** products taken (on a streamed problem, passes over the samples) */
  evaluations: number;
}

interface Evaluation {
  point: Matrix;
  value: number;
  gradient: Matrix;
  /** MX and NX at the point */
  mx: Matrix;
  nx: Matrix;
  /** combined from other points' products (float32 rounding of its own), not evaluated */
  combined?: boolean;
}

/** f and ∇f = −4MX + 2(X·XᵀNX + NX·XᵀX) from the products MX and NX. */
function evaluationOf(x: Matrix, mx: Matrix, nx: Matrix): Evaluation {
  const xtnx = multiply(x, nx, true); // R×R: cheap in TypeScript
  const xtx = multiply(x, x, true);
  const value = -2 * inner(x, mx) + inner(xtnx, xtx);
  const gradient = combine([
    [-4, mx],
    [2, multiply(x, xtnx)],
    [2, multiply(nx, xtx)],
  ]);
  return { point: x, value, gradient, mx, nx };
}

async function evaluate(backend: TensorBackend, problem: BlockProblem, x: Matrix): Promise<Evaluation> {
  const { mx, nx } = await products(backend, problem, x);
  return evaluationOf(x, mx, nx);
}

/** The evaluation at (1 + β)·X₁ − β·X₀ without new products: MX and NX are linear in X. */
function extrapolate(last: Evaluation, before: Evaluation, momentum: number): Evaluation {
  const along = (a: Matrix, b: Matrix) =>
    combine([
      [1 + momentum, a],
      [-momentum, b],
    ]);
  return { ...evaluationOf(along(last.point, before.point), along(last.mx, before.mx), along(last.nx, before.nx)), combined: true };
}

function step(problem: BlockProblem, x: Matrix, gradient: Matrix, size: number): Matrix {
  return problem.nonnegative ? projectedStep(x, gradient, size) : combine([[1, x], [-size, gradient]]);
}

/** A start scaled to the best multiple of itself: f(αU) = −2α²a + α⁴b is least at α² = a/b. */
export async function scaledStart(backend: TensorBackend, problem: BlockProblem, u: Matrix): Promise<Matrix> {
  const { mx: mu, nx: nu } = await products(backend, problem, u);
  const a = inner(u, mu);
  const b = inner(multiply(u, nu, true), multiply(u, u, true));
  const alpha = a > 0 && b > 0 ? Math.sqrt(a / b) : 1;
  return { rows: u.rows, cols: u.cols, data: u.data.map((v) => v * alpha) };
}

/**
 * f''(X)[D, D] / ‖D‖²: the curvature of f along D, from the products at X and at D (linear in X):
 * −4⟨D, MD⟩ + 2⟨DᵀND, XᵀX⟩ + 2⟨DᵀNX + XᵀND, DᵀX + XᵀD⟩ + 2⟨XᵀNX, DᵀD⟩ (N symmetric).
 */
export function curvatureAlong(x: Matrix, nx: Matrix, d: Matrix, md: Matrix, nd: Matrix): number {
  const symmetric = (m: Matrix) =>
    combine([
      [1, m],
      [1, transpose(m)],
    ]);
  const value =
    -4 * inner(d, md) +
    2 * inner(multiply(d, nd, true), multiply(x, x, true)) +
    2 * inner(symmetric(multiply(d, nx, true)), symmetric(multiply(d, x, true))) +
    2 * inner(multiply(x, nx, true), multiply(d, d, true));
  return value / Math.max(frobeniusSquared(d), 1e-30);
}

/** The line a step from X moves along: ∇f, less the entries a projection onto X ≥ 0 holds at zero. */
function descentDirection(problem: BlockProblem, at: Evaluation): Matrix {
  if (!problem.nonnegative) return at.gradient;
  const d = matrix(at.gradient.rows, at.gradient.cols);
  for (let i = 0; i < d.data.length; i++) d.data[i] = at.point.data[i] <= 0 && at.gradient.data[i] > 0 ? 0 : at.gradient.data[i];
  return d;
}

export async function solveBlockProblem(backend: TensorBackend, problem: BlockProblem, start: Matrix, options: BlockProblemOptions): Promise<BlockProblemResult> {
  const patience = options.patience ?? 5;
  // Evaluations and their time since the start: on streamed problems each is a pass over the samples.
  const started = performance.now();
  let evaluations = 1;
  let x = await evaluate(backend, problem, start);
  let y = x;
  let t = 1;
  // Initial curvature guess ‖∇f‖/‖X‖, or the curvature along the descent direction where asked;
  // backtracking corrects it (within a few doublings).
  let lipschitz = Math.max(Math.sqrt(frobeniusSquared(x.gradient) / Math.max(frobeniusSquared(x.point), 1e-30)), 1e-12);
  if (options.probeCurvature) {
    const d = descentDirection(problem, x);
    const { mx: md, nx: nd } = await products(backend, problem, d);
    evaluations++;
    const curvature = curvatureAlong(x.point, x.nx, d, md, nd);
    if (Number.isFinite(curvature) && curvature > 0) lipschitz = curvature;
  }
  let quiet = 0;
  let iteration = 0;
  while (iteration < options.maxIterations) {
    throwIfCancelled(options.signal);
    // An iteration is expected to take two evaluations (the step, and a backtracking one about as
    // often as not); the first, which settles the curvature guess, may take several.
    const iterationMs = (2 * (performance.now() - started)) / evaluations;
    if (iteration > 0 && options.deadline !== undefined && performance.now() + iterationMs > options.deadline) break;
    iteration++;
    // Backtracking: the largest step 1/L for which the quadratic model upper-bounds f. A momentum
    // point's value comes from combined float32 products, not an evaluation of its own: there the
    // model allows their rounding (1e-6 of f); and a step that no longer moves ends the search.
    const slack = (y.combined ? 1e-6 : 1e-12) * Math.abs(y.value);
    let next: Evaluation;
    let broken = false;
    for (;;) {
      next = await evaluate(backend, problem, step(problem, y.point, y.gradient, 1 / lipschitz));
      evaluations++;
      // The objective is a sum of squares (offset + f ≥ 0): a value that says otherwise, or is not
      // finite, is rounding in M and N, not progress; stop with the last accepted point.
      if (!Number.isFinite(next.value) || (options.offset > 0 && options.offset + next.value < -1e-3 * options.offset)) {
        broken = true;
        break;
      }
      const d = combine([
        [1, next.point],
        [-1, y.point],
      ]);
      const moved = frobeniusSquared(d);
      if (moved === 0 || next.value <= y.value + inner(y.gradient, d) + (lipschitz / 2) * moved + slack) break;
      lipschitz *= 2;
    }
    if (broken) break;
    if (next.value > x.value) {
      // Momentum overshot: restart from the last accepted point with a plain gradient step.
      if (y !== x) {
        y = x;
        t = 1;
        continue;
      }
    }
    const improvement = (x.value - next.value) / Math.max(options.offset + next.value, 1e-30);
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const momentum = (t - 1) / tNext;
    y = momentum === 0 ? next : extrapolate(next, x, momentum);
    x = next;
    t = tNext;
    lipschitz *= 0.9; // let the step grow again where the curvature has dropped
    options.onIteration?.(iteration, options.offset + x.value);
    quiet = improvement < options.tolerance ? quiet + 1 : 0;
    if (quiet >= patience) break;
  }
  return { solution: x.point, objective: options.offset + x.value, iterations: iteration, evaluations };
}
