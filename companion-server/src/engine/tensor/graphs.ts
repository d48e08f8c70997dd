/**
 * The ONNX graphs behind the ORT backend, one builder per operation, each for fixed shapes (ONNX
 * Runtime plans memory best for static shapes; the backend caches one session per shape).
 * Every graph is a few large products, so that nearly all time is spent inside MatMul/Gemm.
 */
import { GraphBuilder } from "../../onnx/graph-builder";

export function gemmGraph(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Uint8Array {
  const g = new GraphBuilder("gemm");
  const a = g.input("a", transposeA ? [k, m] : [m, k]);
  const b = g.input("b", transposeB ? [n, k] : [k, n]);
  g.output(g.node("Gemm", [a, b], { transA: transposeA ? 1 : 0, transB: transposeB ? 1 : 0 }), "out", [m, n]);
  return g.toModelBytes();
}

/** Σ_i X_iᵀX_i with X_i = Z_i or LᵀZ_i: stacking the X_i row-wise makes it one XᵀX. */
export function spatialGramGraph(count: number, channels: number, positions: number, leftRank?: number): Uint8Array {
  const g = new GraphBuilder("spatial_gram");
  const z = g.input("z", [count, channels, positions]);
  let rows = channels;
  let x = z;
  if (leftRank !== undefined) {
    const left = g.input("left", [channels, leftRank]);
    x = g.node("MatMul", [g.node("Transpose", [left], { perm: [1, 0] }), z]); // [n, R, S]
    rows = leftRank;
  }
  const stacked = g.node("Reshape", [x, g.int64Constant([count * rows, positions])]);
  g.output(g.node("Gemm", [stacked, stacked], { transA: 1 }), "out", [positions, positions]);
  return g.toModelBytes();
}

/** M = Σ Z_iᵀY_i and N = Σ Y_iᵀY_i with Y_i = BZ_i: both one product of the stacked samples. */
export function weightedGramsGraph(count: number, channels: number, positions: number): Uint8Array {
  const g = new GraphBuilder("weighted_grams");
  const z = g.input("z", [count, channels, positions]);
  const weight = g.input("weight", [channels, channels]);
  const stack = (t: string) => g.node("Reshape", [t, g.int64Constant([count * channels, positions])]);
  const zs = stack(z);
  const ys = stack(g.node("MatMul", [weight, z])); // [n, C, S]
  g.output(g.node("Gemm", [zs, ys], { transA: 1 }), "m", [positions, positions]);
  g.output(g.node("Gemm", [ys, ys], { transA: 1 }), "n", [positions, positions]);
  return g.toModelBytes();
}

/** MX = Σ Z_iᵀV_i and NX = Σ Z_iᵀU_i with W_i = Z_iX, V_i = BW_i, U_i = BV_i: never S×S. */
export function weightedProductsGraph(count: number, channels: number, positions: number, rank: number): Uint8Array {
  const g = new GraphBuilder("weighted_products");
  const z = g.input("z", [count, channels, positions]);
  const weight = g.input("weight", [channels, channels]);
  const x = g.input("x", [positions, rank]);
  const v = g.node("MatMul", [weight, g.node("MatMul", [z, x])]); // [n, C, R]
  const u = g.node("MatMul", [weight, v]);
  const stack = (t: string, cols: number) => g.node("Reshape", [t, g.int64Constant([count * channels, cols])]);
  const zs = stack(z, positions);
  g.output(g.node("Gemm", [zs, stack(v, rank)], { transA: 1 }), "mx", [positions, rank]);
  g.output(g.node("Gemm", [zs, stack(u, rank)], { transA: 1 }), "nx", [positions, rank]);
  return g.toModelBytes();
}

/** MX and NX for M, N (S×S) stored in the graph: only X (S×R, any R) travels with a run. Without N, NX is MX. */
export function fixedProductsGraph(m: Float32Array, n: Float32Array | undefined, positions: number): Uint8Array {
  const g = new GraphBuilder("fixed_products");
  const x = g.input("x", [positions, "rank"]);
  g.output(g.node("MatMul", [g.constant(m, [positions, positions]), x]), "mx", [positions, "rank"]);
  if (n) g.output(g.node("MatMul", [g.constant(n, [positions, positions]), x]), "nx", [positions, "rank"]);
  return g.toModelBytes();
}

/**
 * Z' = 2 × the 2×2 average (= half the 2×2 sum) of each sample, and ‖Z‖², ‖Z'‖² per sample and
 * channel, summed in float64 by the caller: one float32 sum over a whole batch (millions of
 * values) read about 2 % low, and the coarse start's objectives with it.
 */
export function halfResolutionGraph(count: number, channels: number, height: number, width: number): Uint8Array {
  const g = new GraphBuilder("half_resolution");
  const z = g.input("z", [count, channels, height * width]);
  const grid = g.node("Reshape", [z, g.int64Constant([count, channels, height, width])]);
  const pooled = g.node("Mul", [g.node("AveragePool", [grid], { kernel_shape: [2, 2], strides: [2, 2] }), g.constant([2], [])]);
  const half = (height / 2) * (width / 2);
  const flatPooled = g.node("Reshape", [pooled, g.int64Constant([count, channels, half])]);
  const perChannel = (t: string) => g.node("ReduceSumSquare", [t], { axes: [2], keepdims: 0 });
  g.output(flatPooled, "pooled", [count, channels, half]);
  g.output(perChannel(z), "squared_norm", [count, channels]);
  g.output(perChannel(flatPooled), "pooled_squared_norm", [count, channels]);
  return g.toModelBytes();
}

/** Σ_i Z_iZ_iᵀ: the channels' rows of all samples side by side make it one YYᵀ. */
export function channelScatterGraph(count: number, channels: number, positions: number): Uint8Array {
  const g = new GraphBuilder("channel_scatter");
  const z = g.input("z", [count, channels, positions]);
  const y = g.node("Reshape", [g.node("Transpose", [z], { perm: [1, 0, 2] }), g.int64Constant([channels, count * positions])]);
  g.output(g.node("Gemm", [y, y], { transB: 1 }), "out", [channels, channels]);
  return g.toModelBytes();
}

/** K = Σ W_iW_iᵀ, Q = Σ W_i(PᵀP)W_iᵀ with W_i = Z_iP. */
export function appearanceGramsGraph(count: number, channels: number, positions: number, partsRank: number): Uint8Array {
  const g = new GraphBuilder("appearance_grams");
  const z = g.input("z", [count, channels, positions]);
  const p = g.input("parts", [positions, partsRank]);
  const w = g.node("MatMul", [z, p]); // [n, C, R]
  const ptp = g.node("Gemm", [p, p], { transA: 1 });
  const v = g.node("MatMul", [w, ptp]);
  const side = (t: string) => g.node("Reshape", [g.node("Transpose", [t], { perm: [1, 0, 2] }), g.int64Constant([channels, count * partsRank])]);
  const ws = side(w);
  g.output(g.node("Gemm", [ws, ws], { transB: 1 }), "k", [channels, channels]);
  g.output(g.node("Gemm", [ws, side(v)], { transB: 1 }), "q", [channels, channels]);
  return g.toModelBytes();
}

/**
 * ‖Z_i‖² and ‖Z_i − A(Aᵀ(Z_iP))Pᵀ‖² per sample and channel (the product chain never forms C×C or
 * S×S), summed in float64 by the caller: float32 sums stay over S values, not C·S.
 */
export function objectiveTermsGraph(count: number, channels: number, positions: number, appearancesRank: number, partsRank: number): Uint8Array {
  const g = new GraphBuilder("objective_terms");
  const z = g.input("z", [count, channels, positions]);
  const a = g.input("appearances", [channels, appearancesRank]);
  const p = g.input("parts", [positions, partsRank]);
  const perChannelSquares = (t: string) => g.node("ReduceSumSquare", [t], { axes: [2], keepdims: 0 });
  const v = g.node("MatMul", [g.node("Transpose", [a], { perm: [1, 0] }), g.node("MatMul", [z, p])]); // [n, R_C, R_S]
  const reconstruction = g.node("MatMul", [g.node("MatMul", [a, v]), g.node("Transpose", [p], { perm: [1, 0] })]); // [n, C, S]
  g.output(perChannelSquares(z), "squared_norm", [count, channels]);
  g.output(perChannelSquares(g.node("Sub", [z, reconstruction])), "residual", [count, channels]);
  return g.toModelBytes();
}

/**
 * Y = AᵀZ_i per sample, reduced over positions: min, max, mean and the weighted sum Y·w; and Y's
 * columns at unit length, weighted by the parts P and summed over positions and samples. Y is the
 * one R_C×S product: the mean and Y·w go through Z's own (Aᵀ(Z·w)), and the unit columns reach P
 * through a scaled copy of P (S×R_S), since an elementwise pass over Y cost 4× its MatMul at 64×64.
 */
export function coordinateSummariesGraph(count: number, channels: number, positions: number, appearancesRank: number, partsRank: number): Uint8Array {
  const g = new GraphBuilder("coordinate_summaries");
  const z = g.input("z", [count, channels, positions]);
  const a = g.input("appearances", [channels, appearancesRank]);
  const w = g.input("weights", [positions, 1]);
  const p = g.input("parts", [positions, partsRank]);
  const at = g.node("Transpose", [a], { perm: [1, 0] });
  const y = g.node("MatMul", [at, z]); // [n, R_C, S]
  const over = (op: string, t: string) => g.node(op, [t], { axes: [2], keepdims: 0 });
  const perSample = (t: string) => g.node("Reshape", [g.node("MatMul", [at, t]), g.int64Constant([count, appearancesRank])]); // Aᵀ·[n, C, 1]
  g.output(over("ReduceMin", y), "min", [count, appearancesRank]);
  g.output(over("ReduceMax", y), "max", [count, appearancesRank]);
  g.output(perSample(g.node("ReduceMean", [z], { axes: [2], keepdims: 1 })), "mean", [count, appearancesRank]);
  g.output(perSample(g.node("MatMul", [z, w])), "weighted", [count, appearancesRank]);
  // 1/‖Y_i[:, s]‖ per sample and position (a zero vector stays zero), as a column [n, S, 1] scaling P's rows
  const inverseNorms = g.node("Reciprocal", [g.node("Max", [g.node("Sqrt", [g.node("ReduceSumSquare", [y], { axes: [1], keepdims: 1 })]), g.constant([1e-30], [1])])]);
  const scaledParts = g.node("Mul", [g.node("Transpose", [inverseNorms], { perm: [0, 2, 1] }), p]); // [n, S, R_S]
  g.output(g.node("ReduceSum", [g.node("MatMul", [y, scaledParts]), g.int64Constant([0])], { keepdims: 0 }), "part_sums", [appearancesRank, partsRank]);
  return g.toModelBytes();
}
