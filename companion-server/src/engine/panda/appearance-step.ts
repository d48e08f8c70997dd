/**
 * Closed-form updates of the appearances A for fixed parts P, from K = Σ W_iW_iᵀ and
 * Q = Σ W_i(PᵀP)W_iᵀ (W_i = Z_iP). With B = AAᵀ the objective is
 *   Σ‖Z_i‖² − 2 tr(BK) + tr(B²Q).
 * - A orthonormal (any R_C): maximise tr(Aᵀ(2K − Q)A) → the top-R_C eigenvectors of 2K − Q.
 * - A free with R_C = C: B is any PSD matrix; the stationary point solves the Lyapunov equation
 *   BQ + QB = 2K, i.e. in Q's eigenbasis (Q = VΛVᵀ) B̃_ij = 2(VᵀKV)_ij / (λ_i + λ_j); negative
 *   eigenvalues of B are clipped and A = U·diag(√μ) from B = U·diag(μ)·Uᵀ.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix, inner, matrix } from "../tensor/matrix";
import { symmetricEigen } from "../tenalg/symmetric-eigen";

export interface AppearanceUpdate {
  a: Matrix;
  /** Σ‖Z_i‖² − 2 tr(BK) + tr(B²Q): the objective summed over samples */
  objective: number;
}

function fromColumns(vectors: Float64Array, n: number, rank: number, scale: (j: number) => number = () => 1): Matrix {
  const a = matrix(n, rank);
  for (let i = 0; i < n; i++) for (let j = 0; j < rank; j++) a.data[i * rank + j] = vectors[i * n + j] * scale(j);
  return a;
}

export function orthonormalAppearances(k: Float64Array, q: Float64Array, channels: number, rank: number, squaredNorm: number): AppearanceUpdate {
  const eigen = symmetricEigen(
    k.map((v, i) => 2 * v - q[i]),
    channels,
  );
  let captured = 0;
  for (let j = 0; j < rank; j++) captured += eigen.values[j];
  return { a: fromColumns(eigen.vectors, channels, rank), objective: squaredNorm - captured };
}

/** −2 tr(BK) + tr(B²Q) for B = AAᵀ, on the backend (C×C products). */
export async function appearanceTerm(backend: TensorBackend, a: Matrix, k: Matrix, q: Matrix): Promise<number> {
  const b = await backend.matmul(a, a, { transposeB: true });
  return -2 * inner(b, k) + inner(await backend.matmul(b, q), b);
}

export async function lyapunovAppearances(backend: TensorBackend, k: Matrix, q: Matrix, squaredNorm: number): Promise<AppearanceUpdate> {
  const c = k.rows;
  const eq = symmetricEigen(q.data, c);
  const v = matrix(c, c, Float32Array.from(eq.vectors));
  const kt = await backend.matmul(v, await backend.matmul(k, v), { transposeA: true });
  // Directions where Q vanishes do not enter the objective; leave B zero there.
  const floor = 1e-12 * Math.max(eq.values[0], 1e-30);
  for (let i = 0; i < c; i++)
    for (let j = 0; j < c; j++) {
      const denominator = eq.values[i] + eq.values[j];
      kt.data[i * c + j] = denominator > floor ? (2 * kt.data[i * c + j]) / denominator : 0;
    }
  const b = await backend.matmul(v, await backend.matmul(kt, v, { transposeB: true }));
  const eb = symmetricEigen(b.data, c);
  const a = fromColumns(eb.vectors, c, c, (j) => Math.sqrt(Math.max(eb.values[j], 0)));
  return { a, objective: squaredNorm + (await appearanceTerm(backend, a, k, q)) };
}
