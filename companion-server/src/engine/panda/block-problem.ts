/**
 * The P-problem of DESIGN §4 for a fixed orthonormal A: a symmetric-NMF problem on one S×S matrix
 *   min_{P≥0} f(P) = −2 tr(PᵀMP) + tr(PᵀMP·PᵀP),   M = Σ_i Z_iᵀAAᵀZ_i  (= Σ Z_iᵀZ_i when R_C = C),
 * solved full-batch by accelerated projected gradient (FISTA) with backtracking on the step and
 * function-value restarts (O'Donoghue & Candès), since f is non-convex and momentum can overshoot.
 * Each iteration costs two S×S·R_S products on the backend; no pass over the samples.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix, combine, frobeniusSquared, inner, multiply, projectedStep } from "../tensor/matrix";
import { throwIfCancelled } from "./cancellation";

export interface PartsProblemOptions {
  /** Σ‖Z_i‖²: added to f to give the objective (summed over samples) */
  offset: number;
  maxIterations: number;
  /** stop after `patience` iterations in a row that improve the objective by less than this fraction */
  tolerance: number;
  patience?: number;
  signal?: AbortSignal;
  onIteration?: (iteration: number, objective: number) => void;
}

export interface PartsProblemResult {
  parts: Matrix;
  /** offset + f(P): the objective summed over samples */
  objective: number;
  iterations: number;
}

interface Evaluation {
  point: Matrix;
  value: number;
  gradient: Matrix;
}

/** f and ∇f = −4MP + 2(P·PᵀMP + MP·PᵀP) from one product MP. */
async function evaluate(backend: TensorBackend, m: Matrix, p: Matrix): Promise<Evaluation> {
  const mp = await backend.matmul(m, p);
  const ptmp = multiply(p, mp, true); // R_S×R_S: cheap in TypeScript
  const ptp = multiply(p, p, true);
  const value = -2 * trace(ptmp) + inner(ptmp, ptp);
  const gradient = combine([
    [-4, mp],
    [2, multiply(p, ptmp)],
    [2, multiply(mp, ptp)],
  ]);
  return { point: p, value, gradient };
}

function trace(m: Matrix): number {
  let s = 0;
  for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + i];
  return s;
}

/** A positive start scaled to the best multiple of itself: f(αU) = −2α²a + α⁴b is least at α² = a/b. */
export async function scaledStart(backend: TensorBackend, m: Matrix, u: Matrix): Promise<Matrix> {
  const mu = await backend.matmul(m, u);
  const utmu = multiply(u, mu, true);
  const a = trace(utmu);
  const b = inner(utmu, multiply(u, u, true));
  const alpha = a > 0 && b > 0 ? Math.sqrt(a / b) : 1;
  return { rows: u.rows, cols: u.cols, data: u.data.map((v) => v * alpha) };
}

export async function solvePartsProblem(backend: TensorBackend, m: Matrix, start: Matrix, options: PartsProblemOptions): Promise<PartsProblemResult> {
  const patience = options.patience ?? 5;
  let x = await evaluate(backend, m, start);
  let y = x;
  let t = 1;
  // Initial curvature guess ‖∇f‖/‖P‖; backtracking corrects it within a few doublings.
  let lipschitz = Math.max(Math.sqrt(frobeniusSquared(x.gradient) / Math.max(frobeniusSquared(x.point), 1e-30)), 1e-12);
  let quiet = 0;
  let iteration = 0;
  while (iteration < options.maxIterations) {
    throwIfCancelled(options.signal);
    iteration++;
    // Backtracking: the largest step 1/L for which the quadratic model upper-bounds f.
    let next: Evaluation;
    for (;;) {
      next = await evaluate(backend, m, projectedStep(y.point, y.gradient, 1 / lipschitz));
      const d = combine([
        [1, next.point],
        [-1, y.point],
      ]);
      if (next.value <= y.value + inner(y.gradient, d) + (lipschitz / 2) * frobeniusSquared(d) + 1e-12 * Math.abs(y.value)) break;
      lipschitz *= 2;
    }
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
    const extrapolated = combine([
      [1 + momentum, next.point],
      [-momentum, x.point],
    ]);
    x = next;
    t = tNext;
    y = momentum === 0 ? x : await evaluate(backend, m, extrapolated);
    lipschitz *= 0.9; // let the step grow again where the curvature has dropped
    options.onIteration?.(iteration, options.offset + x.value);
    quiet = improvement < options.tolerance ? quiet + 1 : 0;
    if (quiet >= patience) break;
  }
  return { parts: x.point, objective: options.offset + x.value, iterations: iteration };
}
