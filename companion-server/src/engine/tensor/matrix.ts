/**
 * Dense row-major matrices and the few small operations the algorithms do in plain TypeScript
 * (R×R products, traces, element-wise updates). Anything of size S×S·R or larger goes through a
 * TensorBackend instead.
 */

export interface Matrix {
  rows: number;
  cols: number;
  /** rows·cols values, row-major */
  data: Float32Array;
}

export function matrix(rows: number, cols: number, data: Float32Array = new Float32Array(rows * cols)): Matrix {
  if (data.length !== rows * cols) throw new Error(`matrix ${rows}×${cols} needs ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data };
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  return out;
}

/** op(A)·op(B) with float64 accumulation; the reference implementation every backend must agree with. */
export function multiply(a: Matrix, b: Matrix, transposeA = false, transposeB = false): Matrix {
  const m = transposeA ? a.cols : a.rows;
  const k = transposeA ? a.rows : a.cols;
  const kb = transposeB ? b.cols : b.rows;
  const n = transposeB ? b.rows : b.cols;
  if (k !== kb) throw new Error(`matmul: inner sizes differ (${m}×${k} · ${kb}×${n})`);
  // Work on row-major copies so that the inner loop runs over contiguous memory.
  const left = transposeA ? transpose(a) : a;
  const right = transposeB ? b : transpose(b);
  const out = matrix(m, n);
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const row = left.data.subarray(i * k, (i + 1) * k);
    for (let j = 0; j < n; j++) {
      const col = right.data.subarray(j * k, (j + 1) * k);
      let s = 0;
      for (let t = 0; t < k; t++) s += row[t] * col[t];
      acc[j] = s;
    }
    out.data.set(acc, i * n);
  }
  return out;
}

/** Σ_ij a_ij b_ij = tr(AᵀB). */
export function inner(a: Matrix | Float32Array | Float64Array, b: Matrix | Float32Array | Float64Array): number {
  const x = "data" in a ? a.data : a;
  const y = "data" in b ? b.data : b;
  if (x.length !== y.length) throw new Error(`inner: ${x.length} vs ${y.length} values`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

export function frobeniusSquared(a: Matrix | Float32Array): number {
  return inner(a, a);
}

/** Σ_k α_k·M_k (all the same shape). */
export function combine(terms: Array<[number, Matrix]>): Matrix {
  const [first] = terms;
  const out = matrix(first[1].rows, first[1].cols);
  for (const [alpha, m] of terms) {
    if (m.rows !== out.rows || m.cols !== out.cols) throw new Error(`combine: ${m.rows}×${m.cols} vs ${out.rows}×${out.cols}`);
    for (let i = 0; i < out.data.length; i++) out.data[i] += alpha * m.data[i];
  }
  return out;
}

/** max(0, X − step·∇): the projected gradient step onto P ≥ 0. */
export function projectedStep(x: Matrix, gradient: Matrix, step: number): Matrix {
  const out = matrix(x.rows, x.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.max(0, x.data[i] - step * gradient.data[i]);
  return out;
}

/** Float64 sums (Gram accumulations) rounded to the float32 matrices the backends consume. */
export function toMatrix(rows: number, cols: number, values: Float64Array): Matrix {
  return matrix(rows, cols, Float32Array.from(values));
}

export function addInto(sum: Float64Array, part: Float32Array | Float64Array, scale = 1): void {
  if (sum.length !== part.length) throw new Error(`addInto: ${sum.length} vs ${part.length} values`);
  for (let i = 0; i < sum.length; i++) sum[i] += scale * part[i];
}
