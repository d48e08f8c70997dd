/**
 * The plain TypeScript backend: direct, obviously-correct loops with float64 accumulation.
 * About 1 GFLOP/s, so it is for tests and tiny layers; it is the yardstick the ORT backend is
 * tested against.
 */
import { SymmetricEigen, symmetricEigen } from "../tenalg/symmetric-eigen";
import { CoordinateSummaries, FeatureBatchView, FixedProducts, HalfResolution, ObjectiveTerms, TensorBackend, checkBatch, sampleOf } from "./backend";
import { Matrix, addInto, frobeniusSquared, multiply, toMatrix } from "./matrix";
import { Program, matrixOps } from "./program";

export class TypeScriptBackend implements TensorBackend {
  readonly name = "typescript";

  async matmul(a: Matrix, b: Matrix, options: { transposeA?: boolean; transposeB?: boolean } = {}): Promise<Matrix> {
    return multiply(a, b, options.transposeA, options.transposeB);
  }

  async spatialGram(batch: FeatureBatchView, left?: Matrix): Promise<Matrix> {
    checkBatch(batch);
    const s = batch.positions;
    const sum = new Float64Array(s * s);
    for (let i = 0; i < batch.count; i++) {
      const z = sampleOf(batch, i);
      const x = left ? multiply(left, z, true) : z;
      addInto(sum, multiply(x, x, true).data);
    }
    return toMatrix(s, s, sum);
  }

  async weightedGrams(batch: FeatureBatchView, weight: Matrix): Promise<{ m: Matrix; n: Matrix }> {
    checkBatch(batch);
    const s = batch.positions;
    const m = new Float64Array(s * s);
    const n = new Float64Array(s * s);
    for (let i = 0; i < batch.count; i++) {
      const z = sampleOf(batch, i);
      const y = multiply(weight, z);
      addInto(m, multiply(z, y, true).data);
      addInto(n, multiply(y, y, true).data);
    }
    return { m: toMatrix(s, s, m), n: toMatrix(s, s, n) };
  }

  async weightedProducts(batch: FeatureBatchView, weight: Matrix, x: Matrix): Promise<{ mx: Matrix; nx: Matrix }> {
    checkBatch(batch);
    const size = batch.positions * x.cols;
    const mx = new Float64Array(size);
    const nx = new Float64Array(size);
    for (let i = 0; i < batch.count; i++) {
      const z = sampleOf(batch, i);
      const v = multiply(weight, multiply(z, x));
      addInto(mx, multiply(z, v, true).data);
      addInto(nx, multiply(z, multiply(weight, v), true).data);
    }
    return { mx: toMatrix(batch.positions, x.cols, mx), nx: toMatrix(batch.positions, x.cols, nx) };
  }

  async fixedProducts(m: Matrix, n?: Matrix): Promise<FixedProducts> {
    let released = false;
    return {
      products: async (x) => {
        if (released) throw new Error("fixed products used after release");
        const mx = multiply(m, x);
        return { mx, nx: n ? multiply(n, x) : mx };
      },
      release: async () => {
        released = true;
      },
    };
  }

  async halfResolution(batch: FeatureBatchView, height: number, width: number): Promise<HalfResolution> {
    checkBatch(batch);
    const [h, w] = [height / 2, width / 2];
    const pooled = new Float32Array(batch.count * batch.channels * h * w);
    let squaredNorm = 0;
    let pooledSquaredNorm = 0;
    for (let plane = 0; plane < batch.count * batch.channels; plane++) {
      const from = plane * height * width;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const at = from + 2 * y * width + 2 * x;
          const cell = [batch.data[at], batch.data[at + 1], batch.data[at + width], batch.data[at + width + 1]];
          const value = (cell[0] + cell[1] + cell[2] + cell[3]) / 2;
          pooled[plane * h * w + y * w + x] = value;
          squaredNorm += cell.reduce((sum, v) => sum + v * v, 0);
          pooledSquaredNorm += value * value;
        }
    }
    return { pooled, squaredNorm, pooledSquaredNorm };
  }

  async channelScatter(batch: FeatureBatchView): Promise<Matrix> {
    checkBatch(batch);
    const c = batch.channels;
    const sum = new Float64Array(c * c);
    for (let i = 0; i < batch.count; i++) {
      const z = sampleOf(batch, i);
      addInto(sum, multiply(z, z, false, true).data);
    }
    return toMatrix(c, c, sum);
  }

  async appearanceGrams(batch: FeatureBatchView, parts: Matrix): Promise<{ k: Matrix; q: Matrix }> {
    checkBatch(batch);
    const c = batch.channels;
    const ptp = multiply(parts, parts, true);
    const k = new Float64Array(c * c);
    const q = new Float64Array(c * c);
    for (let i = 0; i < batch.count; i++) {
      const w = multiply(sampleOf(batch, i), parts);
      addInto(k, multiply(w, w, false, true).data);
      addInto(q, multiply(multiply(w, ptp), w, false, true).data);
    }
    return { k: toMatrix(c, c, k), q: toMatrix(c, c, q) };
  }

  async objectiveTerms(batch: FeatureBatchView, appearances: Matrix, parts: Matrix): Promise<ObjectiveTerms> {
    checkBatch(batch);
    const terms: ObjectiveTerms = { squaredNorm: 0, residual: 0 };
    for (let i = 0; i < batch.count; i++) {
      const z = sampleOf(batch, i);
      const reconstruction = multiply(multiply(appearances, multiply(appearances, multiply(z, parts), true)), parts, false, true);
      terms.squaredNorm += frobeniusSquared(z);
      for (let j = 0; j < z.data.length; j++) terms.residual += (z.data[j] - reconstruction.data[j]) ** 2;
    }
    return terms;
  }

  async coordinateSummaries(batch: FeatureBatchView, appearances: Matrix, weights: Float32Array, parts: Matrix): Promise<CoordinateSummaries> {
    checkBatch(batch);
    const r = appearances.cols;
    const s = batch.positions;
    const rs = parts.cols;
    const out = { min: new Float32Array(batch.count * r), max: new Float32Array(batch.count * r), mean: new Float32Array(batch.count * r), weighted: new Float32Array(batch.count * r), partSums: new Float32Array(r * rs) };
    for (let i = 0; i < batch.count; i++) {
      const y = multiply(appearances, sampleOf(batch, i), true).data;
      for (let j = 0; j < s; j++) {
        let norm = 0;
        for (let k = 0; k < r; k++) norm += y[k * s + j] ** 2;
        const inv = 1 / Math.max(Math.sqrt(norm), 1e-30);
        for (let k = 0; k < r; k++) for (let q = 0; q < rs; q++) out.partSums[k * rs + q] += y[k * s + j] * inv * parts.data[j * rs + q];
      }
      for (let k = 0; k < r; k++) {
        const row = y.subarray(k * s, (k + 1) * s);
        let [lo, hi, sum, weighted] = [Infinity, -Infinity, 0, 0];
        for (let j = 0; j < s; j++) {
          lo = Math.min(lo, row[j]);
          hi = Math.max(hi, row[j]);
          sum += row[j];
          weighted += weights[j] * row[j];
        }
        [out.min[i * r + k], out.max[i * r + k], out.mean[i * r + k], out.weighted[i * r + k]] = [lo, hi, sum / s, weighted];
      }
    }
    return out;
  }

  async run(_key: string, program: Program, inputs: Record<string, Matrix>): Promise<Record<string, Matrix>> {
    return program(matrixOps, inputs);
  }

  async symmetricEigen(a: Float32Array | Float64Array, n: number): Promise<SymmetricEigen> {
    return symmetricEigen(a, n);
  }

  async dispose(): Promise<void> {}
}

