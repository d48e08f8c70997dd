import { symmetricEigen, topEigenvectors } from "../../../companion-server/src/engine/tenalg/symmetric-eigen";
import { spectralNormSquared } from "../../../companion-server/src/engine/tenalg/spectral-norm";
import { matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { createRng } from "../../../companion-server/src/runtime/random";

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

test.each([1, 2, 3, 17, 64])("A·v = λ·v, V orthonormal, λ descending (n = %i)", (n) => {
  const a = randomSymmetric(n, n);
  const { values, vectors } = symmetricEigen(a, n);
  for (let j = 0; j < n; j++) {
    if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + j];
      expect(av).toBeCloseTo(values[j] * vectors[i * n + j], 10);
    }
    for (let k = 0; k < n; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += vectors[i * n + j] * vectors[i * n + k];
      expect(dot).toBeCloseTo(j === k ? 1 : 0, 10);
    }
  }
});

test("known spectrum: [[2, 1], [1, 2]] has eigenvalues 3 and 1", () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  expect(Array.from(values)).toEqual([expect.closeTo(3, 12), expect.closeTo(1, 12)]);
  expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 12);
});

test("repeated eigenvalues and a zero matrix are handled", () => {
  expect(Array.from(symmetricEigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
  const identity = symmetricEigen([1, 0, 0, 0, 1, 0, 0, 0, 1], 3);
  expect(Array.from(identity.values)).toEqual([1, 1, 1]);
});

test("topEigenvectors returns the leading columns as n×k", () => {
  const top = topEigenvectors([5, 0, 0, 0, 1, 0, 0, 0, 3], 3, 2);
  expect(Array.from(top).map(Math.abs)).toEqual([1, 0, 0, 0, 0, 1]);
});

test("spectralNormSquared is the largest eigenvalue of MᵀM", () => {
  const m = matrix(2, 2, Float32Array.from([3, 0, 0, 1]));
  expect(spectralNormSquared(m)).toBeCloseTo(9, 6);
});
