/**
 * The fast solver: the same objective as the published algorithm, solved with the structure of
 * DESIGN §4 instead of per-sample stochastic steps.
 * - R_C = C: with A orthonormal, AAᵀ = I and P depends only on G = Σ Z_iᵀZ_i, accumulated in one
 *   streamed pass; P is found by FISTA on G; A is then the eigenbasis of 2K − Q (ordered, so that
 *   the first appearances are the ones the parts use most) — one more pass for K and Q.
 * - R_C < C: alternate exactly-solved blocks: A ← top-R_C eigenvectors of 2K − Q (closed form),
 *   P ← FISTA on M = Σ Z_iᵀAAᵀZ_i (warm-started), two passes per alternation, until the objective
 *   improves by less than the tolerance.
 */
import { createRng } from "../../runtime/random";
import { TensorBackend } from "../tensor/backend";
import { Matrix, matrix, toMatrix } from "../tensor/matrix";
import { symmetricEigen, topEigenvectors } from "../tenalg/symmetric-eigen";
import { throwIfCancelled } from "./cancellation";
import { scaledStart, solvePartsProblem } from "./parts-problem";
import { PassOptions, appearanceGramsPass, channelScatterPass, spatialGramPass, trace } from "./passes";
import { FeatureSource, SolverOptions, SolverProgress, SolverResult } from "./types";

export const FAST_DEFAULTS = { iterations: 2000, tolerance: 1e-6, alternations: 30 };

/** 2K − Q: its top eigenvectors are the optimal orthonormal A for the current P. */
function appearanceMatrix(k: Float64Array, q: Float64Array): Float64Array {
  return k.map((v, i) => 2 * v - q[i]);
}

function randomParts(positions: number, rank: number, seed: number): Matrix {
  const rng = createRng(seed);
  return matrix(positions, rank, Float32Array.from({ length: positions * rank }, () => rng()));
}

export async function fastSolve(source: FeatureSource, options: SolverOptions, backend: TensorBackend): Promise<SolverResult> {
  const started = performance.now();
  const { channels, height, width } = source.shape;
  const positions = height * width;
  const n = source.count;
  const maxIterations = options.iterations ?? FAST_DEFAULTS.iterations;
  const tolerance = options.tolerance ?? FAST_DEFAULTS.tolerance;
  const full = options.appearances === channels;
  const alternations = full ? 1 : FAST_DEFAULTS.alternations;
  const report = (p: SolverProgress) => options.onProgress?.(p);
  const pass = (label: string, from: number, to: number): PassOptions => ({
    signal: options.signal,
    onBatch: (done) => report({ fraction: from + ((to - from) * done) / n, iteration: totalIterations, message: label }),
  });
  // Progress is split evenly between alternations; within one, the P-solve gets half.
  const span = 1 / alternations;
  let totalIterations = 0;

  let appearances: Matrix | undefined;
  let squaredNorm: number;
  if (full) {
    squaredNorm = NaN; // known after the first Gram pass (its trace)
  } else {
    const scatter = channelScatterPass(source, backend, pass("channel scatter", 0, 0));
    const s = await scatter;
    squaredNorm = trace(s, channels);
    appearances = matrix(channels, options.appearances, topEigenvectors(s, channels, options.appearances));
  }

  let parts: Matrix | undefined;
  let objective = Infinity;
  for (let round = 0; round < alternations; round++) {
    throwIfCancelled(options.signal);
    const base = round * span;
    const m = await spatialGramPass(source, backend, appearances, pass("spatial Gram", base, base + 0.25 * span));
    if (full) squaredNorm = trace(m, positions);
    const gram = toMatrix(positions, positions, m);
    const start = parts ?? (await scaledStart(backend, gram, randomParts(positions, options.parts, options.seed)));
    const solved = await solvePartsProblem(backend, gram, start, {
      offset: squaredNorm,
      maxIterations,
      tolerance,
      signal: options.signal,
      onIteration: (i, value) => {
        if (i % 10 === 0) report({ fraction: base + span * (0.25 + (0.5 * i) / maxIterations), iteration: totalIterations + i, objective: value / n, message: "parts" });
      },
    });
    totalIterations += solved.iterations;
    parts = solved.parts;

    const { k, q } = await appearanceGramsPass(source, backend, parts, pass("appearances", base + 0.75 * span, base + span));
    const eigen = symmetricEigen(appearanceMatrix(k, q), channels);
    appearances = matrix(channels, options.appearances);
    for (let i = 0; i < channels; i++) for (let j = 0; j < options.appearances; j++) appearances.data[i * options.appearances + j] = eigen.vectors[i * channels + j];
    // With AᵀA = I the objective is Σ‖Z_i‖² − tr(Aᵀ(2K − Q)A) = Σ‖Z_i‖² − Σ of the top R_C eigenvalues.
    let captured = 0;
    for (let j = 0; j < options.appearances; j++) captured += eigen.values[j];
    const previous = objective;
    objective = squaredNorm - captured;
    report({ fraction: base + span, iteration: totalIterations, objective: objective / n, message: "appearances" });
    if (!full && (previous - objective) / Math.max(objective, 1e-30) < tolerance) break;
  }

  return {
    factors: { shape: source.shape, partsRank: options.parts, appearancesRank: options.appearances, parts: parts!.data, appearances: appearances!.data },
    report: {
      solver: "fast",
      objective: objective / n,
      relativeObjective: objective / squaredNorm,
      iterations: totalIterations,
      seconds: (performance.now() - started) / 1000,
    },
  };
}
