/** One suite, run against every backend, with backend-neutral assertions against plain definitions. */
import { FeatureBatchView, TensorBackend, sampleOf } from "../../../companion-server/src/engine/tensor/backend";
import { Matrix, matrix, multiply, transpose } from "../../../companion-server/src/engine/tensor/matrix";
import { Program } from "../../../companion-server/src/engine/tensor/program";
import { OrtBackend } from "../../../companion-server/src/engine/tensor/ort-backend";
import { TypeScriptBackend } from "../../../companion-server/src/engine/tensor/typescript-backend";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { createRng, fillNormal } from "../../../companion-server/src/runtime/random";
import { symmetricEigen } from "../../../companion-server/src/engine/tenalg/symmetric-eigen";
import { threadId } from "node:worker_threads";

const rng = createRng(42);
const random = (rows: number, cols: number): Matrix => matrix(rows, cols, fillNormal(new Float32Array(rows * cols), rng));

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tolerance * scale);
}

const [n, c, s, rc, rs] = [3, 6, 10, 4, 3];
const batch: FeatureBatchView = { data: fillNormal(new Float32Array(n * c * s), rng), count: n, channels: c, positions: s };
const a = random(c, rc);
const p = random(s, rs);
const samples = Array.from({ length: n }, (_, i) => sampleOf(batch, i));
const sum = (ms: Matrix[]) => ms.reduce((acc, m) => matrix(m.rows, m.cols, acc.data.map((v, i) => v + m.data[i])));

const backends: Array<[string, () => TensorBackend]> = [
  ["typescript", () => new TypeScriptBackend()],
  ["onnxruntime", () => new OrtBackend(new SessionFactory())],
];

describe.each(backends)("%s backend", (_name, create) => {
  let backend: TensorBackend;
  beforeAll(() => {
    backend = create();
  });
  afterAll(() => backend.dispose());

  test.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])("matmul with transposeA=%s transposeB=%s", async (ta, tb) => {
    const x = random(5, 7);
    const y = random(7, 4);
    const left = ta ? transpose(x) : x;
    const right = tb ? transpose(y) : y;
    const out = await backend.matmul(left, right, { transposeA: ta, transposeB: tb });
    expect([out.rows, out.cols]).toEqual([5, 4]);
    expectClose(out.data, multiply(x, y).data);
  });

  test("fixedProducts keeps M (and N) for products with X of any width, and refuses products after release", async () => {
    const m = random(s, s);
    const nm = random(s, s);
    const both = await backend.fixedProducts(m, nm);
    for (const cols of [3, 1]) {
      const x = random(s, cols);
      const out = await both.products(x);
      expect([out.mx.rows, out.mx.cols, out.nx.rows, out.nx.cols]).toEqual([s, cols, s, cols]);
      expectClose(out.mx.data, multiply(m, x).data);
      expectClose(out.nx.data, multiply(nm, x).data);
    }
    await both.release();
    const alone = await backend.fixedProducts(m);
    const x = random(s, 2);
    const out = await alone.products(x);
    expectClose(out.nx.data, multiply(m, x).data);
    await alone.release();
    await expect(alone.products(x)).rejects.toThrow("fixed products used after release");
  });

  test("halfResolution halves each 2×2 cell's sum and gives both squared norms", async () => {
    const [h, w] = [2, 10];
    const data = fillNormal(new Float32Array(n * c * h * w), rng);
    const out = await backend.halfResolution({ data, count: n, channels: c, positions: h * w }, h, w);
    expect(out.pooled).toHaveLength(n * c * 5);
    const expected = new Float32Array(n * c * 5);
    for (let plane = 0; plane < n * c; plane++)
      for (let x = 0; x < 5; x++) {
        const at = plane * h * w + 2 * x;
        expected[plane * 5 + x] = (data[at] + data[at + 1] + data[at + w] + data[at + w + 1]) / 2;
      }
    expectClose(out.pooled, expected);
    expect(out.squaredNorm).toBeCloseTo(data.reduce((sum, v) => sum + v * v, 0), 3);
    expect(out.pooledSquaredNorm).toBeCloseTo(expected.reduce((sum, v) => sum + v * v, 0), 3);
  });

  test("coordinateSummaries reduce each sample's AᵀZᵢ over positions: min, max, mean, weighted sum; and sum its unit columns, weighted by the parts, over positions and samples", async () => {
    const weights = Float32Array.from({ length: s }, (_, j) => (j + 1) / 55);
    const out = await backend.coordinateSummaries(batch, a, weights, p);
    const expected = { min: [] as number[], max: [] as number[], mean: [] as number[], weighted: [] as number[] };
    const partSums = new Float32Array(rc * rs);
    for (const z of samples) {
      const y = multiply(a, z, true);
      for (let j = 0; j < s; j++) {
        const norm = Math.hypot(...Array.from({ length: rc }, (_, k) => y.data[k * s + j]));
        for (let k = 0; k < rc; k++) for (let q = 0; q < rs; q++) partSums[k * rs + q] += (y.data[k * s + j] / norm) * p.data[j * rs + q];
      }
      for (let k = 0; k < rc; k++) {
        const row = Array.from(y.data.subarray(k * s, (k + 1) * s));
        expected.min.push(Math.min(...row));
        expected.max.push(Math.max(...row));
        expected.mean.push(row.reduce((x, v) => x + v, 0) / s);
        expected.weighted.push(row.reduce((x, v, j) => x + weights[j] * v, 0));
      }
    }
    for (const key of ["min", "max", "mean", "weighted"] as const) expectClose(out[key], Float32Array.from(expected[key]));
    expectClose(out.partSums, partSums);
    // each part's column sums n·S unit vectors weighted by |P|: its length is at most n·Σ_s |P_sq|
    for (let q = 0; q < rs; q++) {
      const bound = n * Array.from({ length: s }, (_, j) => Math.abs(p.data[j * rs + q])).reduce((x, v) => x + v, 0);
      expect(Math.hypot(...Array.from({ length: rc }, (_, k) => out.partSums[k * rs + q]))).toBeLessThanOrEqual(bound + 1e-4);
    }
  });

  test("weightedProducts are Σ ZᵢᵀBZᵢX and Σ ZᵢᵀB²ZᵢX, without S×S matrices", async () => {
    const half = random(c, c);
    const weight = multiply(half, half, false, true); // symmetric
    const x = random(s, rs);
    const out = await backend.weightedProducts(batch, weight, x);
    const gram = (power: number) => sum(samples.map((z) => multiply(z, power === 1 ? multiply(weight, z) : multiply(weight, multiply(weight, z)), true)));
    expectClose(out.mx.data, multiply(gram(1), x).data);
    expectClose(out.nx.data, multiply(gram(2), x).data);
  });

  test("matmul rejects mismatched inner sizes", async () => {
    await expect(backend.matmul(random(2, 3), random(4, 2))).rejects.toThrow(/inner sizes/);
  });

  test("spatialGram is Σ ZᵢᵀZᵢ, and Σ (AᵀZᵢ)ᵀ(AᵀZᵢ) with a left factor", async () => {
    expectClose((await backend.spatialGram(batch)).data, sum(samples.map((z) => multiply(z, z, true))).data);
    const projected = sum(samples.map((z) => multiply(multiply(a, z, true), multiply(a, z, true), true)));
    expectClose((await backend.spatialGram(batch, a)).data, projected.data);
  });

  test("weightedGrams gives M = Σ ZᵢᵀBZᵢ and N = Σ ZᵢᵀB²Zᵢ (here B = AAᵀ)", async () => {
    const aat = multiply(a, a, false, true);
    const { m, n: nn } = await backend.weightedGrams(batch, aat);
    expectClose(m.data, sum(samples.map((z) => multiply(z, multiply(aat, z), true))).data);
    expectClose(nn.data, sum(samples.map((z) => multiply(z, multiply(multiply(aat, aat), z), true))).data);
  });

  test("channelScatter is Σ ZᵢZᵢᵀ", async () => {
    expectClose((await backend.channelScatter(batch)).data, sum(samples.map((z) => multiply(z, z, false, true))).data);
  });

  test("appearanceGrams gives K = Σ WᵢWᵢᵀ and Q = Σ Wᵢ(PᵀP)Wᵢᵀ", async () => {
    const ptp = multiply(p, p, true);
    const ws = samples.map((z) => multiply(z, p));
    const { k, q } = await backend.appearanceGrams(batch, p);
    expectClose(k.data, sum(ws.map((w) => multiply(w, w, false, true))).data);
    expectClose(q.data, sum(ws.map((w) => multiply(multiply(w, ptp), w, false, true))).data);
  });

  test("objectiveTerms gives Σ ‖Zᵢ‖² and Σ ‖Zᵢ − AAᵀZᵢPPᵀ‖²", async () => {
    const t = await backend.objectiveTerms(batch, a, p);
    let direct = 0;
    for (const z of samples) {
      const r = multiply(multiply(multiply(a, multiply(a, z, true)), p), p, false, true);
      for (let i = 0; i < z.data.length; i++) direct += (z.data[i] - r.data[i]) ** 2;
    }
    expect(t.residual / direct).toBeCloseTo(1, 5);
    expect(t.squaredNorm / samples.reduce((acc, z) => acc + z.data.reduce((x, v) => x + v * v, 0), 0)).toBeCloseTo(1, 6);
  });

  test("symmetricEigen gives the in-place decomposition: A·v = λ·v, values descending", async () => {
    const x = random(7, 7);
    const sym = multiply(x, x, true); // XᵀX: symmetric, positive semi-definite
    const eigen = await backend.symmetricEigen(sym.data, 7);
    const inPlace = symmetricEigen(sym.data, 7);
    expect(Array.from(eigen.values)).toEqual(Array.from(inPlace.values));
    expect(Array.from(eigen.vectors)).toEqual(Array.from(inPlace.vectors));
    for (let j = 1; j < 7; j++) expect(eigen.values[j]).toBeLessThanOrEqual(eigen.values[j - 1]);
    for (let i = 0; i < 7; i++) {
      let av = 0;
      for (let k = 0; k < 7; k++) av += sym.data[i * 7 + k] * eigen.vectors[k * 7];
      expect(av).toBeCloseTo(eigen.values[0] * eigen.vectors[i * 7], 3);
    }
  });

  test("a malformed batch is rejected with its sizes", async () => {
    await expect(backend.channelScatter({ ...batch, count: 4 })).rejects.toThrow(/4×6×10 needs 240 values, got 180/);
  });
});

test("the ORT and TypeScript backends agree on a larger random case", async () => {
  const ort = new OrtBackend(new SessionFactory());
  const ts = new TypeScriptBackend();
  const big: FeatureBatchView = { data: fillNormal(new Float32Array(4 * 32 * 64), rng), count: 4, channels: 32, positions: 64 };
  const left = random(32, 16);
  const parts = random(64, 5);
  expectClose((await ort.spatialGram(big, left)).data, (await ts.spatialGram(big, left)).data);
  expectClose((await ort.appearanceGrams(big, parts)).q.data, (await ts.appearanceGrams(big, parts)).q.data);
  const [x, y] = [await ort.objectiveTerms(big, left, parts), await ts.objectiveTerms(big, left, parts)];
  expect(x.residual / y.residual).toBeCloseTo(1, 4);
  await ort.dispose();
});

test("the ONNX Runtime backend decomposes on its thread, not the caller's (a fit's O(C³) eigen steps)", async () => {
  const factory = new SessionFactory();
  const ort = new OrtBackend(factory);
  const ops: string[] = [];
  const stop = factory.thread.watch(({ op }) => ops.push(op));
  try {
    const x = random(5, 5);
    const eigen = await ort.symmetricEigen(multiply(x, x, true).data, 5);
    expect(eigen.values).toHaveLength(5);
    expect(ops).toEqual(["eigen"]);
    expect(factory.thread.threadId).not.toBe(threadId);
  } finally {
    stop();
    await ort.dispose();
    await factory.close();
  }
});

test("a traced program gives the same result on ONNX Runtime as in TypeScript", async () => {
  const ort = new OrtBackend(new SessionFactory());
  const ts = new TypeScriptBackend();
  const x = random(6, 4);
  const y = random(6, 3);
  const program: Program = (ops, { x: u, y: v }) => ({
    x: ops.relu(ops.combine([[2, ops.matmul(u, ops.matmul(u, v, { transposeA: true }))], [-1, v]])),
    g: ops.matmul(v, v, { transposeA: true }),
  });
  const [o, t] = [await ort.run("test", program, { x, y }), await ts.run("test", program, { x, y })];
  expect([o.x.rows, o.x.cols, o.g.rows, o.g.cols]).toEqual([6, 3, 3, 3]);
  expectClose(o.x.data, t.x.data);
  expectClose(o.g.data, t.g.data);
  expect(t.x.data.every((v) => v >= 0)).toBe(true);
  await ort.dispose();
});
