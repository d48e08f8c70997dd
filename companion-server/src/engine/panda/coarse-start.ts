/**
 * Coarse-to-fine start of the fast solver on large layers (64×64: S = 4096), where the S×S Gram of
 * phase 1 alone costs 2·N·C·S² flops — more than everything else the fit does.
 *
 * Parts constant on 2×2 cells, P = U·Y/2 (U copies each coarse cell's row of Y to its four cells,
 * so UᵀU = 4I), turn the full problem into the same problem on the pooled features
 * Z'_i = Z_iU/2 (half the sum of each 2×2 cell), with S/4 positions:
 *   Z_iP = Z'_iY  and  PᵀP = YᵀY,
 * so every term of the objective is equal and only the constant differs (Σ‖Z_i‖² for Σ‖Z'_i‖²).
 * Phase 1 runs there at a sixteenth of the Gram's cost (one pass reads the full features once),
 * and the lifted solution is a point of the full problem whose objective is known exactly; phase 2
 * (free A, streamed P-steps) then runs at full resolution from it. Only phase 1: the pooled problem
 * is a 2×2-constant restriction that phase 2 cannot leave. On StyleGAN2-256's 64×64 layer (256
 * samples) pooled phase-2 rounds ended at 33,484 where the reference reaches 33,455, while the
 * first full-resolution P-iteration from the lifted phase-1 parts reached 33,394 and fifteen 32,557.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix, matrix } from "../tensor/matrix";
import { StoredFeatures, storeFeatures } from "../feature-store";
import { throwIfCancelled } from "./cancellation";
import { releaseNow } from "../../util/release-memory";
import { FeatureShape, FeatureSource } from "./types";

export interface PooledFeatures {
  /** Z'_i, stored (in memory, or a temporary file above the memory budget): dispose() when done */
  source: StoredFeatures;
  /** Σ‖Z_i‖² of the full features */
  squaredNorm: number;
  /** Σ‖Z'_i‖² */
  pooledSquaredNorm: number;
}

/**
 * Whether a layer is solved coarse first: where its P-steps are streamed (forming S×S matrices
 * costs more than many passes of products: large layers, see streamedPartsCheaper) and its grid halves.
 */
export function coarseStartPays(shape: FeatureShape, streamedParts: boolean): boolean {
  return streamedParts && shape.height % 2 === 0 && shape.width % 2 === 0;
}

/** One pass over the full features: their 2×2-pooled halves, stored once for the coarse solve. */
export async function pooledFeatures(source: FeatureSource, backend: TensorBackend, options: { memoryBudget?: number; signal?: AbortSignal; onBatch?: (done: number) => void }): Promise<PooledFeatures> {
  const { channels, height, width } = source.shape;
  let squaredNorm = 0;
  let pooledSquaredNorm = 0;
  const pooled: FeatureSource = {
    shape: { channels, height: height / 2, width: width / 2 },
    count: source.count,
    forEachBatch: (batchSize, visit) =>
      source.forEachBatch(batchSize, async (data, count, offset) => {
        throwIfCancelled(options.signal);
        const half = await backend.halfResolution({ data, count, channels, positions: height * width }, height, width);
        squaredNorm += half.squaredNorm;
        pooledSquaredNorm += half.pooledSquaredNorm;
        await visit(half.pooled, count, offset);
        releaseNow(half.pooled.buffer); // stored by now; ORT's answer is read nowhere else
        options.onBatch?.(offset + count);
      }),
  };
  const stored = await storeFeatures(pooled, { memoryBudget: options.memoryBudget, signal: options.signal });
  return { source: stored, squaredNorm, pooledSquaredNorm };
}

/** P = U·Y/2 on the full H×W grid from parts Y on the pooled (H/2)×(W/2) grid. */
export function liftParts(y: Matrix, height: number, width: number): Matrix {
  const rank = y.cols;
  const p = matrix(height * width, rank);
  for (let row = 0; row < height; row++)
    for (let col = 0; col < width; col++) {
      const from = ((row >> 1) * (width >> 1) + (col >> 1)) * rank;
      const to = (row * width + col) * rank;
      for (let r = 0; r < rank; r++) p.data[to + r] = y.data[from + r] / 2;
    }
  return p;
}
