/**
 * The contract between the PandA solvers and everything that uses their result
 * (store, CLI, routes, masks, saliency, edits). Matrices are Float32Array, row-major.
 */

/** N feature maps at one layer: Z_i ∈ R^{C×S}, S = H·W, stored N·C·H·W (C-order). */
export interface FeatureShape {
  channels: number;
  height: number;
  width: number;
}

/** Where the solver reads samples from: all in memory, or streamed in batches. */
export interface FeatureSource {
  shape: FeatureShape;
  count: number;
  /** true when batches are views of data already in memory, so that another pass costs nothing */
  inMemory?: boolean;
  /** Calls `visit` with consecutive batches (N_b·C·H·W values each) in a fixed order; a batch is valid during its visit (copy what must outlive it). */
  forEachBatch(batchSize: number, visit: (batch: Float32Array, count: number, offset: number) => Promise<void> | void): Promise<void>;
}

export type SolverName = "fast" | "reference";

export interface SolverOptions {
  /** R_S: number of parts */
  parts: number;
  /** R_C: number of appearances (≤ C) */
  appearances: number;
  solver: SolverName;
  seed: number;
  /** iteration budget; the fast solver may stop earlier on relative improvement */
  iterations?: number;
  /** learning rate of the reference solver */
  learningRate?: number;
  /** samples per stochastic step of the reference solver (default 1) */
  batchSize?: number;
  /**
   * Solvers make many passes over the samples; a source that is not stored (e.g. one that runs the
   * generator's head) is read once, into memory when it needs at most this many bytes (default
   * 1 GiB), otherwise into a temporary file (0: always the file).
   */
  featureMemoryBudget?: number;
  /**
   * The fast solver skips phase-2 P-steps (refinements after its first, complete solution; each a
   * Gram pass or many product passes) that would end after this many seconds of solving; its
   * A-steps, one cheap pass each, still run. None: rounds run until they stop improving.
   */
  timeBudgetSeconds?: number;
  /** the reference solver evaluates the exact objective every this many iterations into its report's trace */
  traceEvery?: number;
  /** the fast solver stops when an iteration improves the objective by less than this fraction (default 1e-6) */
  tolerance?: number;
  /** reports progress in [0, 1] with the current objective when known */
  onProgress?: (progress: SolverProgress) => void;
  /** cancels the run; the solver rejects with a CancelledError */
  signal?: AbortSignal;
}

export interface SolverProgress {
  fraction: number;
  iteration: number;
  objective?: number;
  message?: string;
  /** "sampling" while a streamed source is read once, "solver" afterwards */
  phase?: "sampling" | "solver";
  /** units of the current step done and in all (samples of a pass, reference iterations) */
  done?: number;
  total?: number;
  /** the fast solver's alternation round (1-based) */
  round?: number;
}

export interface SolverReport {
  solver: SolverName;
  /** mean over samples of ‖Z_i − AAᵀZ_iPPᵀ‖²_F */
  objective: number;
  /** objective / mean ‖Z_i‖²_F */
  relativeObjective: number;
  iterations: number;
  /** solver time, excluding loading of features */
  seconds: number;
  /**
   * The objective (mean over samples) as the solve went: the fast solver's after each block solve,
   * the reference's every `traceEvery` iterations (exact, its evaluation not counted in `seconds`).
   */
  trace?: ObjectivePoint[];
}

export interface ObjectivePoint {
  /** solver seconds at that point */
  seconds: number;
  objective: number;
}

/** P ∈ R^{S×R_S} (P ≥ 0) and A ∈ R^{C×R_C}. */
export interface Factors {
  shape: FeatureShape;
  partsRank: number;
  appearancesRank: number;
  /** S·R_S values, row-major (row = spatial position h·W + w) */
  parts: Float32Array;
  /** C·R_C values, row-major (row = channel) */
  appearances: Float32Array;
  /**
   * R_C·R_S: each part's direction in the coordinates AᵀZ over the fit's samples (statistics.ts),
   * what per-image refinement assigns positions to; absent in folders saved before it existed.
   */
  partCentres?: Float32Array;
}

/** What part maps need of the factors (the imaging threads receive only this, not A). */
export type PartFactors = Pick<Factors, "shape" | "partsRank" | "parts">;

export interface SolverResult {
  factors: Factors;
  report: SolverReport;
}

export class CancelledError extends Error {
  constructor() {
    super("cancelled");
  }
}
