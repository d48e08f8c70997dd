/** ‖M‖₂² (largest eigenvalue of MᵀM) by power iteration: for step sizes, where a bound within a few percent is enough. */
import { Matrix } from "../tensor/matrix";

export function spectralNormSquared(m: Matrix, iterations = 50): number {
  let x = new Float64Array(m.cols).fill(1 / Math.sqrt(m.cols));
  let estimate = 0;
  for (let it = 0; it < iterations; it++) {
    const y = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j] * x[j];
      y[i] = s;
    }
    const next = new Float64Array(m.cols);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) next[j] += m.data[i * m.cols + j] * y[i];
    const norm = Math.hypot(...next);
    if (norm === 0) return 0;
    estimate = norm; // ‖MᵀMx‖ with ‖x‖ = 1 → λ_max
    x = next.map((v) => v / norm);
  }
  return estimate;
}
