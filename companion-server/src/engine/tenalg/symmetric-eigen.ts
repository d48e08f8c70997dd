/**
 * Eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal form and the
 * implicit QL algorithm (EISPACK tred2/tql2, as in JAMA), in float64. O(n³): about a second for
 * n = 512 in TypeScript, which is fine for C ≤ 512 (one call per A-update, not per sample).
 */

export interface SymmetricEigen {
  n: number;
  /** eigenvalues in descending order */
  values: Float64Array;
  /** n×n row-major; column j is the unit eigenvector of values[j] */
  vectors: Float64Array;
}

export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} values, got ${a.length}`);
  const t = new Float64Array(n * n);
  // Symmetrise: float32 accumulations are symmetric only up to rounding.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalise(t, d, e, n);
  tridiagonalQl(t, d, e, n);
  return sortDescending(t, d, n);
}

/** The top k eigenvectors as an n×k row-major float32 matrix (the closed-form A of DESIGN §4). */
export function topEigenvectors(a: ArrayLike<number>, n: number, k: number): Float32Array {
  return topColumns(symmetricEigen(a, n), k);
}

/** The eigenvectors of the k largest eigenvalues as an n×k row-major float32 matrix. */
export function topColumns({ vectors, n }: SymmetricEigen, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = vectors[i * n + j];
  return out;
}

/*
 * Both routines work on T = Vᵀ (row j of T is column j of JAMA's V) so that every inner loop runs
 * over contiguous memory: the column-wise original is about four times slower in JavaScript.
 */

/** Householder reduction of t (overwritten by the accumulated transform, transposed) to diagonal d, off-diagonal e. */
function tridiagonalise(t: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = t[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = t[j * n + i - 1];
        t[j * n + i] = 0;
        t[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        t[i * n + j] = f;
        g = e[j] + t[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += t[row + k] * d[k];
          e[k] += t[row + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) t[row + k] -= f * e[k] + g * d[k];
        d[j] = t[row + i - 1];
        t[row + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    t[i * n + n - 1] = t[i * n + i];
    t[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = t[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += t[next + k] * t[row + k];
        for (let k = 0; k <= i; k++) t[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) t[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = t[j * n + n - 1];
    t[j * n + n - 1] = 0;
  }
  t[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (d, e), rotating the eigenvectors (rows of t). */
function tridiagonalQl(t: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      for (let iter = 0; ; iter++) {
        if (iter > 60) throw new Error("symmetricEigen: QL iteration did not converge");
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const lo = i * n;
          const hi = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            h = t[hi + k];
            t[hi + k] = s * t[lo + k] + c * h;
            t[lo + k] = c * t[lo + k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]) > eps * tst1)) break;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
}

function sortDescending(t: Float64Array, d: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let r = 0; r < n; r++) vectors[r * n + c] = t[order[c] * n + r];
  return { n, values, vectors };
}
