/**
 * The tensor layer the PandA algorithms are written against: an explicit list of the operations
 * they need. Two implementations: ONNX Runtime (fast, runs on the session factory's device) and
 * plain TypeScript (the reference for tests and tiny cases). Algorithms never see which one runs.
 */
import type { SymmetricEigen } from "../tenalg/symmetric-eigen";
import { Matrix } from "./matrix";
import { Program } from "./program";

/** A batch of feature maps Z_i ∈ R^{C×S}, stored count·C·S values (C-order). */
export interface FeatureBatchView {
  data: Float32Array;
  count: number;
  channels: number;
  positions: number;
}

/**
 * Sums over a batch of ‖Z_i‖²_F and of the residual ‖Z_i − AAᵀZ_iPPᵀ‖²_F, computed from the
 * residual itself: expanding it into traces loses digits to cancellation in float32.
 */
export interface ObjectiveTerms {
  squaredNorm: number;
  residual: number;
}

/**
 * Per sample i of a batch and appearance k, over the positions of the coordinates Y_i = AᵀZ_i
 * (R_C × S): min, max, mean, and Σ_s w_s·(Y_i)_ks for a weight map w. count·R_C values each,
 * sample-major: the saliency statistics and the background concept need nothing else.
 */
export interface CoordinateSummaries {
  min: Float32Array;
  max: Float32Array;
  mean: Float32Array;
  weighted: Float32Array;
  /**
   * R_C·R_S (row = coordinate): each position's column of AᵀZ_i scaled to unit length, weighted by
   * the parts P (S×R_S) and summed over positions and the batch's samples (the parts' directions,
   * statistics.ts). Through P at once, so no R_C×S product is formed beside AᵀZ_i itself.
   */
  partSums: Float32Array;
}

/**
 * Products with two fixed symmetric matrices M and N (S×S), kept where the backend computes, so
 * that the many products of an iterative solve send only X: at 64×64 M alone is 64 MB, and sending
 * it with every product cost more than the product itself.
 */
export interface FixedProducts {
  /** MX and NX (NX = MX when there is no N) */
  products(x: Matrix): Promise<{ mx: Matrix; nx: Matrix }>;
  /** frees M and N; no products afterwards */
  release(): Promise<void>;
}

export interface HalfResolution {
  pooled: Float32Array;
  squaredNorm: number;
  pooledSquaredNorm: number;
}

export interface TensorBackend {
  readonly name: string;
  /** op(A)·op(B). */
  matmul(a: Matrix, b: Matrix, options?: { transposeA?: boolean; transposeB?: boolean }): Promise<Matrix>;
  /**
   * Σ_i Z_iᵀZ_i (S×S) over the batch, or with `left` = L (C×R): Σ_i (LᵀZ_i)ᵀ(LᵀZ_i) — the matrix M of
   * the P-problem. Computed as one product over the batch, never one S×S matrix per sample.
   */
  spatialGram(batch: FeatureBatchView, left?: Matrix): Promise<Matrix>;
  /**
   * M = Σ_i Z_iᵀBZ_i and N = Σ_i Z_iᵀB²Z_i (S×S) for a symmetric channel weighting B (C×C): the
   * P-problem for any A, with B = AAᵀ. Via Y_i = BZ_i: M = Σ Z_iᵀY_i, N = Σ Y_iᵀY_i.
   */
  weightedGrams(batch: FeatureBatchView, weight: Matrix): Promise<{ m: Matrix; n: Matrix }>;
  /**
   * MX = Σ_i Z_iᵀB(Z_iX) and NX = Σ_i Z_iᵀB²(Z_iX) (S×R) for a symmetric weighting B (C×C): the
   * P-problem's products without forming its S×S matrices, for layers where S ≫ R makes those dear.
   */
  weightedProducts(batch: FeatureBatchView, weight: Matrix, x: Matrix): Promise<{ mx: Matrix; nx: Matrix }>;
  /** Keeps M (and N, default M) for products with many X (see FixedProducts). */
  fixedProducts(m: Matrix, n?: Matrix): Promise<FixedProducts>;
  /**
   * Each sample on the 2×2-pooled grid, Z'_i = (sum of each 2×2 cell)/2 (count·C·(H/2)·(W/2) values;
   * see coarse-start.ts for why halved sums), with Σ‖Z_i‖² and Σ‖Z'_i‖² of the batch.
   */
  halfResolution(batch: FeatureBatchView, height: number, width: number): Promise<HalfResolution>;
  /** Σ_i Z_iZ_iᵀ (C×C): the channel scatter of the HOSVD initialisation. */
  channelScatter(batch: FeatureBatchView): Promise<Matrix>;
  /** K = Σ W_iW_iᵀ and Q = Σ W_i(PᵀP)W_iᵀ (C×C), W_i = Z_iP: what the A-update needs. */
  appearanceGrams(batch: FeatureBatchView, parts: Matrix): Promise<{ k: Matrix; q: Matrix }>;
  /** The objective's terms summed over the batch, for appearances A (C×R_C) and parts P (S×R_S). */
  objectiveTerms(batch: FeatureBatchView, appearances: Matrix, parts: Matrix): Promise<ObjectiveTerms>;
  /** See CoordinateSummaries; `weights` has S values. */
  coordinateSummaries(batch: FeatureBatchView, appearances: Matrix, weights: Float32Array, parts: Matrix): Promise<CoordinateSummaries>;
  /**
   * Runs a matrix program (see program.ts) on the inputs. `key` names the program and any constant
   * it bakes in (e.g. a learning rate): backends may compile it once per key and input shapes.
   */
  run(key: string, program: Program, inputs: Record<string, Matrix>): Promise<Record<string, Matrix>>;
  /**
   * The eigendecomposition of a symmetric n×n matrix (tenalg/symmetric-eigen.ts), where the
   * backend runs its work: O(n³) loops, seconds at n = 512, that must not hold the server's thread.
   */
  symmetricEigen(a: Float32Array | Float64Array, n: number): Promise<SymmetricEigen>;
  /** Releases native resources (sessions); the backend must not be used afterwards. */
  dispose(): Promise<void>;
}

/** Z_i of a batch as a C×S matrix view (no copy). */
export function sampleOf(batch: FeatureBatchView, i: number): Matrix {
  const size = batch.channels * batch.positions;
  return { rows: batch.channels, cols: batch.positions, data: batch.data.subarray(i * size, (i + 1) * size) };
}

export function checkBatch(batch: FeatureBatchView): void {
  const expected = batch.count * batch.channels * batch.positions;
  if (batch.data.length !== expected) throw new Error(`feature batch of ${batch.count}×${batch.channels}×${batch.positions} needs ${expected} values, got ${batch.data.length}`);
}
