/**
 * The ONNX Runtime backend: each operation is a small graph (see graphs.ts) run by a session that
 * the project's SessionFactory creates, so it runs on the user's device (CUDA/DirectML/CoreML) with
 * the factory's CPU fallback. Sessions are cached per operation and shape.
 */
import * as ort from "onnxruntime-node";
import { SessionFactory } from "../../runtime/execution-providers";
import { OrtSession } from "../../runtime/ort-thread";
import { CoordinateSummaries, FeatureBatchView, FixedProducts, HalfResolution, ObjectiveTerms, TensorBackend, checkBatch } from "./backend";
import { appearanceGramsGraph, channelScatterGraph, coordinateSummariesGraph, fixedProductsGraph, gemmGraph, halfResolutionGraph, objectiveTermsGraph, spatialGramGraph, weightedGramsGraph, weightedProductsGraph } from "./graphs";
import { Matrix, matrix } from "./matrix";
import { Program, outputPrefix, traceProgram } from "./program";
import type { SymmetricEigen } from "../tenalg/symmetric-eigen";

function tensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

function features(batch: FeatureBatchView): ort.Tensor {
  checkBatch(batch);
  return tensor(batch.data, [batch.count, batch.channels, batch.positions]);
}

function matrixTensor(m: Matrix): ort.Tensor {
  return tensor(m.data, [m.rows, m.cols]);
}

function sum(values: ort.Tensor): number {
  let s = 0;
  for (const v of values.data as Float32Array) s += v;
  return s;
}

export class OrtBackend implements TensorBackend {
  readonly name = "onnxruntime";
  private readonly sessions = new Map<string, Promise<OrtSession>>();

  constructor(private readonly factory: SessionFactory) {}

  async matmul(a: Matrix, b: Matrix, options: { transposeA?: boolean; transposeB?: boolean } = {}): Promise<Matrix> {
    const { transposeA = false, transposeB = false } = options;
    const [m, k] = transposeA ? [a.cols, a.rows] : [a.rows, a.cols];
    const [kb, n] = transposeB ? [b.cols, b.rows] : [b.rows, b.cols];
    if (k !== kb) throw new Error(`matmul: inner sizes differ (${m}×${k} · ${kb}×${n})`);
    const out = await this.execute(`gemm:${m}:${k}:${n}:${transposeA}:${transposeB}`, () => gemmGraph(m, k, n, transposeA, transposeB), {
      a: matrixTensor(a),
      b: matrixTensor(b),
    });
    return matrix(m, n, out.out.data as Float32Array);
  }

  async spatialGram(batch: FeatureBatchView, left?: Matrix): Promise<Matrix> {
    const { count, channels, positions } = batch;
    const feeds: Record<string, ort.Tensor> = { z: features(batch) };
    if (left) feeds.left = matrixTensor(left);
    const key = `spatial:${count}:${channels}:${positions}:${left?.cols ?? "-"}`;
    const out = await this.execute(key, () => spatialGramGraph(count, channels, positions, left?.cols), feeds);
    return matrix(positions, positions, out.out.data as Float32Array);
  }

  async weightedGrams(batch: FeatureBatchView, weight: Matrix): Promise<{ m: Matrix; n: Matrix }> {
    const { count, channels, positions } = batch;
    const out = await this.execute(`weighted:${count}:${channels}:${positions}`, () => weightedGramsGraph(count, channels, positions), { z: features(batch), weight: matrixTensor(weight) });
    return { m: matrix(positions, positions, out.m.data as Float32Array), n: matrix(positions, positions, out.n.data as Float32Array) };
  }

  async weightedProducts(batch: FeatureBatchView, weight: Matrix, x: Matrix): Promise<{ mx: Matrix; nx: Matrix }> {
    const { count, channels, positions } = batch;
    const key = `weighted-products:${count}:${channels}:${positions}:${x.cols}`;
    const out = await this.execute(key, () => weightedProductsGraph(count, channels, positions, x.cols), { z: features(batch), weight: matrixTensor(weight), x: matrixTensor(x) });
    return { mx: matrix(positions, x.cols, out.mx.data as Float32Array), nx: matrix(positions, x.cols, out.nx.data as Float32Array) };
  }

  /** M and N ride in a session of their own as constants; released with it. */
  async fixedProducts(m: Matrix, n?: Matrix): Promise<FixedProducts> {
    const positions = m.rows;
    let session: OrtSession | undefined = await this.factory.create(fixedProductsGraph(m.data, n?.data, positions));
    return {
      products: async (x) => {
        if (!session) throw new Error("fixed products used after release");
        const out = await session.run({ x: matrixTensor(x) });
        const mx = matrix(positions, x.cols, out.mx.data as Float32Array);
        return { mx, nx: n ? matrix(positions, x.cols, out.nx.data as Float32Array) : mx };
      },
      release: async () => {
        const open = session;
        session = undefined;
        await open?.release();
      },
    };
  }

  async halfResolution(batch: FeatureBatchView, height: number, width: number): Promise<HalfResolution> {
    const { count, channels } = batch;
    const out = await this.execute(`half-resolution:${count}:${channels}:${height}:${width}`, () => halfResolutionGraph(count, channels, height, width), { z: features(batch) });
    return { pooled: out.pooled.data as Float32Array, squaredNorm: sum(out.squared_norm), pooledSquaredNorm: sum(out.pooled_squared_norm) };
  }

  async channelScatter(batch: FeatureBatchView): Promise<Matrix> {
    const { count, channels, positions } = batch;
    const out = await this.execute(`channel:${count}:${channels}:${positions}`, () => channelScatterGraph(count, channels, positions), { z: features(batch) });
    return matrix(channels, channels, out.out.data as Float32Array);
  }

  async appearanceGrams(batch: FeatureBatchView, parts: Matrix): Promise<{ k: Matrix; q: Matrix }> {
    const { count, channels, positions } = batch;
    const key = `appearance:${count}:${channels}:${positions}:${parts.cols}`;
    const out = await this.execute(key, () => appearanceGramsGraph(count, channels, positions, parts.cols), { z: features(batch), parts: matrixTensor(parts) });
    return { k: matrix(channels, channels, out.k.data as Float32Array), q: matrix(channels, channels, out.q.data as Float32Array) };
  }

  async objectiveTerms(batch: FeatureBatchView, appearances: Matrix, parts: Matrix): Promise<ObjectiveTerms> {
    const { count, channels, positions } = batch;
    const key = `objective:${count}:${channels}:${positions}:${appearances.cols}:${parts.cols}`;
    const out = await this.execute(key, () => objectiveTermsGraph(count, channels, positions, appearances.cols, parts.cols), {
      z: features(batch),
      appearances: matrixTensor(appearances),
      parts: matrixTensor(parts),
    });
    return { squaredNorm: sum(out.squared_norm), residual: sum(out.residual) };
  }

  async coordinateSummaries(batch: FeatureBatchView, appearances: Matrix, weights: Float32Array, parts: Matrix): Promise<CoordinateSummaries> {
    const { count, channels, positions } = batch;
    const key = `summaries:${count}:${channels}:${positions}:${appearances.cols}:${parts.cols}`;
    const out = await this.execute(key, () => coordinateSummariesGraph(count, channels, positions, appearances.cols, parts.cols), {
      z: features(batch),
      appearances: matrixTensor(appearances),
      weights: tensor(weights, [positions, 1]),
      parts: matrixTensor(parts),
    });
    const data = (name: string) => out[name].data as Float32Array;
    return { min: data("min"), max: data("max"), mean: data("mean"), weighted: data("weighted"), partSums: data("part_sums") };
  }

  async run(key: string, program: Program, inputs: Record<string, Matrix>): Promise<Record<string, Matrix>> {
    const shapes: Record<string, [number, number]> = {};
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, m] of Object.entries(inputs)) {
      shapes[name] = [m.rows, m.cols];
      feeds[name] = matrixTensor(m);
    }
    const out = await this.execute(`program:${key}:${JSON.stringify(shapes)}`, () => traceProgram(program, shapes), feeds);
    const result: Record<string, Matrix> = {};
    for (const [name, t] of Object.entries(out)) result[name.slice(outputPrefix.length)] = matrix(t.dims[0], t.dims[1], t.data as Float32Array);
    return result;
  }

  /** On the ONNX Runtime thread, in TypeScript (ONNX has no eigendecomposition operator). */
  symmetricEigen(a: Float32Array | Float64Array, n: number): Promise<SymmetricEigen> {
    return this.factory.thread.symmetricEigen(a, n);
  }

  async dispose(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(open.map(async (s) => (await s).release()));
  }

  private async execute(key: string, build: () => Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    let session = this.sessions.get(key);
    if (!session) {
      session = this.factory.create(build());
      session.catch(() => this.sessions.delete(key)); // a failed open is retried next time
      this.sessions.set(key, session);
    }
    return (await session).run(feeds);
  }
}

/** One ORT backend per session factory, so that repeated solves reuse the compiled sessions. */
const shared = new WeakMap<SessionFactory, OrtBackend>();
export function ortBackendFor(factory: SessionFactory): OrtBackend {
  let backend = shared.get(factory);
  if (!backend) {
    backend = new OrtBackend(factory);
    shared.set(factory, backend);
  }
  return backend;
}
