/**
 * Closed-form updates of the appearances for fixed parts P, from K = Σ W_iW_iᵀ and
 * Q = Σ W_i(PᵀP)W_iᵀ (W_i = Z_iP). With the channel weighting B = AAᵀ the objective is
 *   Σ‖Z_i‖² − 2 tr(BK) + tr(B²Q).
 * - A orthonormal (any R_C): maximise tr(Aᵀ(2K − Q)A) → the top-R_C eigenvectors of 2K − Q.
 * - A free with R_C = C: B is any PSD matrix; the stationary point solves the Lyapunov equation
 *   BQ + QB = 2K, i.e. in Q's eigenbasis (Q = VΛVᵀ) B̃_ij = 2(VᵀKV)_ij / (λ_i + λ_j). The solver
 *   works with B itself (the P-problem needs only B); A is factored out of B once, at the end.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix, identity, inner, matrix } from "../tensor/matrix";

export interface AppearanceUpdate {
  a: Matrix;
  /** Σ‖Z_i‖² − 2 tr(BK) + tr(B²Q): the objective summed over samples */
  objective: number;
}

export interface WeightUpdate {
  /** B = AAᵀ (C×C) */
  weight: Matrix;
  objective: number;
}

function fromColumns(vectors: Float64Array, n: number, rank: number, scale: (j: number) => number = () => 1): Matrix {
  const a = matrix(n, rank);
  for (let i = 0; i < n; i++) for (let j = 0; j < rank; j++) a.data[i * rank + j] = vectors[i * n + j] * scale(j);
  return a;
}

export async function orthonormalAppearances(backend: TensorBackend, k: Float64Array, q: Float64Array, channels: number, rank: number, squaredNorm: number): Promise<AppearanceUpdate> {
  const eigen = await backend.symmetricEigen(
    k.map((v, i) => 2 * v - q[i]),
    channels,
  );
  let captured = 0;
  for (let j = 0; j < rank; j++) captured += eigen.values[j];
  return { a: fromColumns(eigen.vectors, channels, rank), objective: squaredNorm - captured };
}

/** −2 tr(BK) + tr(B²Q), on the backend (C×C products). */
export async function weightTerm(backend: TensorBackend, weight: Matrix, k: Matrix, q: Matrix): Promise<number> {
  return -2 * inner(weight, k) + inner(await backend.matmul(weight, q), weight);
}

export async function lyapunovWeight(backend: TensorBackend, k: Matrix, q: Matrix, squaredNorm: number): Promise<WeightUpdate> {
  const c = k.rows;
  const eq = await backend.symmetricEigen(q.data, c);
  const v = matrix(c, c, Float32Array.from(eq.vectors));
  const kt = await backend.matmul(v, await backend.matmul(k, v), { transposeA: true });
  // Directions where Q vanishes do not enter the objective; leave B zero there. Q is summed in
  // float64 but handed over in float32, so "vanishes" means below float32's rounding of its largest
  // eigenvalue: with fewer samples × parts than channels Q has a null space whose eigenvalues are
  // that rounding, and dividing K's rounding by them gave a B whose P-step diverged (f below −Σ‖Z‖², then NaN).
  const floor = 1e-6 * Math.max(eq.values[0], 1e-30);
  for (let i = 0; i < c; i++)
    for (let j = 0; j < c; j++) {
      const denominator = eq.values[i] + eq.values[j];
      kt.data[i * c + j] = denominator > floor ? (2 * kt.data[i * c + j]) / denominator : 0;
    }
  const weight = await backend.matmul(v, await backend.matmul(kt, v, { transposeB: true }));
  return { weight, objective: squaredNorm + (await weightTerm(backend, weight, k, q)) };
}

/** A = U·diag(√μ) from B = U·diag(μ)·Uᵀ (negative μ clipped): columns ordered by how much they carry. */
export async function factorWeight(backend: TensorBackend, weight: Matrix): Promise<Matrix> {
  const c = weight.rows;
  const eigen = await backend.symmetricEigen(weight.data, c);
  return fromColumns(eigen.vectors, c, c, (j) => Math.sqrt(Math.max(eigen.values[j], 0)));
}

/** B = I: the weighting of any orthonormal A with R_C = C. */
export function unitWeight(channels: number): Matrix {
  return identity(channels);
}
