/**
 * Streamed passes over a feature source: each reads every sample once, in batches, and sums one
 * backend product in float64. Only one batch and the sums are in memory at a time.
 */
import { FeatureBatchView, ObjectiveTerms, TensorBackend } from "../tensor/backend";
import { Matrix, addInto, toMatrix } from "../tensor/matrix";
import { throwIfCancelled } from "./cancellation";
import { FeatureShape, FeatureSource } from "./types";

/**
 * Batches of about 4 MB (at least one sample): large enough for MatMul to run at full rate, small
 * next to the features. Each graph's session keeps its largest run's intermediates (several
 * batches' worth) in ONNX Runtime's arena for the fit's life, so the batch sets the working
 * memory of every pass. Summing a batch's S×S result in float64 stays small beside the product
 * that made it (2·C flops per element for each sample in the batch).
 */
export function passBatchSize(shape: FeatureShape): number {
  const bytes = shape.channels * shape.height * shape.width * 4;
  return Math.max(1, Math.min(64, Math.floor((4 << 20) / bytes)));
}

export interface PassOptions {
  signal?: AbortSignal;
  /** called after each batch with the number of samples done */
  onBatch?: (done: number) => void;
}

async function eachBatch(source: FeatureSource, options: PassOptions, visit: (batch: FeatureBatchView) => Promise<void>): Promise<void> {
  const { channels, height, width } = source.shape;
  throwIfCancelled(options.signal);
  await source.forEachBatch(passBatchSize(source.shape), async (data, count, offset) => {
    throwIfCancelled(options.signal);
    await visit({ data, count, channels, positions: height * width });
    options.onBatch?.(offset + count);
  });
}

/** Σ_i Z_iᵀZ_i, or Σ_i Z_iᵀLLᵀZ_i with `left` = L (C×R); S×S, float64. */
export async function spatialGramPass(source: FeatureSource, backend: TensorBackend, left?: Matrix, options: PassOptions = {}): Promise<Float64Array> {
  const s = source.shape.height * source.shape.width;
  const sum = new Float64Array(s * s);
  await eachBatch(source, options, async (batch) => addInto(sum, (await backend.spatialGram(batch, left)).data));
  return sum;
}

/** M = Σ_i Z_iᵀBZ_i and N = Σ_i Z_iᵀB²Z_i (S×S each, float64). */
export async function weightedGramsPass(source: FeatureSource, backend: TensorBackend, weight: Matrix, options: PassOptions = {}): Promise<{ m: Float64Array; n: Float64Array }> {
  const s = source.shape.height * source.shape.width;
  const m = new Float64Array(s * s);
  const n = new Float64Array(s * s);
  await eachBatch(source, options, async (batch) => {
    const grams = await backend.weightedGrams(batch, weight);
    addInto(m, grams.m.data);
    addInto(n, grams.n.data);
  });
  return { m, n };
}

/** MX = Σ_i Z_iᵀBZ_iX and NX = Σ_i Z_iᵀB²Z_iX (S×R each), without forming S×S matrices. */
export async function weightedProductsPass(source: FeatureSource, backend: TensorBackend, weight: Matrix, x: Matrix, options: PassOptions = {}): Promise<{ mx: Matrix; nx: Matrix }> {
  const mx = new Float64Array(x.rows * x.cols);
  const nx = new Float64Array(x.rows * x.cols);
  await eachBatch(source, options, async (batch) => {
    const products = await backend.weightedProducts(batch, weight, x);
    addInto(mx, products.mx.data);
    addInto(nx, products.nx.data);
  });
  return { mx: toMatrix(x.rows, x.cols, mx), nx: toMatrix(x.rows, x.cols, nx) };
}

/** Σ_i Z_iZ_iᵀ (C×C, float64). */
export async function channelScatterPass(source: FeatureSource, backend: TensorBackend, options: PassOptions = {}): Promise<Float64Array> {
  const c = source.shape.channels;
  const sum = new Float64Array(c * c);
  await eachBatch(source, options, async (batch) => addInto(sum, (await backend.channelScatter(batch)).data));
  return sum;
}

/** K = Σ W_iW_iᵀ and Q = Σ W_i(PᵀP)W_iᵀ, W_i = Z_iP (C×C each, float64). */
export async function appearanceGramsPass(source: FeatureSource, backend: TensorBackend, parts: Matrix, options: PassOptions = {}): Promise<{ k: Float64Array; q: Float64Array }> {
  const c = source.shape.channels;
  const k = new Float64Array(c * c);
  const q = new Float64Array(c * c);
  await eachBatch(source, options, async (batch) => {
    const grams = await backend.appearanceGrams(batch, parts);
    addInto(k, grams.k.data);
    addInto(q, grams.q.data);
  });
  return { k, q };
}

export async function objectivePass(source: FeatureSource, backend: TensorBackend, appearances: Matrix, parts: Matrix, options: PassOptions = {}): Promise<ObjectiveTerms> {
  const total: ObjectiveTerms = { squaredNorm: 0, residual: 0 };
  await eachBatch(source, options, async (batch) => {
    const t = await backend.objectiveTerms(batch, appearances, parts);
    total.squaredNorm += t.squaredNorm;
    total.residual += t.residual;
  });
  return total;
}

export function trace(square: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += square[i * n + i];
  return s;
}
