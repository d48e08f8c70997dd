/**
 * The fast solver: the published objective (DESIGN §4), solved with its structure instead of
 * per-sample stochastic steps. Every block update is full-batch on a few matrices accumulated in
 * streamed passes over the samples; no per-sample step is ever taken.
 *
 * Phase 1 — orthonormal A (cheap, gets most of the way):
 *   R_C = C: AAᵀ = I, so P depends only on G = Σ Z_iᵀZ_i (one pass); P ← FISTA on G.
 *   R_C < C: A starts from the HOSVD; P ← FISTA on M = Σ Z_iᵀAAᵀZ_i, then A ← the top-R_C
 *   eigenvectors of 2K − Q (closed form), repeated while it helps.
 * Phase 2 — free A: the published problem does not constrain A, and a non-orthonormal A (B = AAᵀ
 *   re-weighting channels) reaches a lower objective. Alternate the A-block (R_C = C: B from the
 *   Lyapunov closed form; R_C < C: FISTA on (K, Q)) and P ← FISTA on (M, N) = (Σ Z_iᵀBZ_i, Σ Z_iᵀB²Z_i)
 *   until a round improves the objective by less than the tolerance, or a time budget is spent.
 *   On large layers (S ≫ R) the P-solve takes MX and NX from streamed passes instead of forming
 *   the S×S matrices M and N (see streamedPartsCheaper).
 */
import { createRng } from "../../runtime/random";
import { TensorBackend } from "../tensor/backend";
import { Matrix, matrix, toMatrix } from "../tensor/matrix";
import { topColumns } from "../tenalg/symmetric-eigen";
import { factorWeight, lyapunovWeight, orthonormalAppearances, unitWeight, weightTerm } from "./appearance-step";
import { BlockProblem, scaledStart, solveBlockProblem } from "./block-problem";
import { throwIfCancelled } from "./cancellation";
import { PassOptions, appearanceGramsPass, channelScatterPass, objectivePass, spatialGramPass, trace, weightedGramsPass, weightedProductsPass } from "./passes";
import { FeatureSource, SolverOptions, SolverResult } from "./types";

export const FAST_DEFAULTS = {
  /** FISTA iterations per block solve */
  iterations: 500,
  /** 1e-5 stops phase 2 while it still gains a few percent on real layers; 1e-6 does not */
  tolerance: 1e-6,
  /** alternations of A and P in each phase */
  rounds: 20,
  /**
   * Random starts of the first P-solve. The problem is non-convex and starts land in different
   * minima (3 % apart on a real 8×8 layer); the first solve costs no pass over the samples, so
   * running a few starts briefly and finishing the best is cheap.
   */
  starts: 8,
  /** FISTA iterations each start gets before the best one is solved to convergence */
  startIterations: 60,
  /** FISTA iterations of a phase-2 P-solve whose products are streamed passes over the samples */
  streamedIterations: 25,
};

/**
 * Random starts of the first P-solve: all of them up to 32×32; on larger layers, where every FISTA
 * iteration reads an S×S Gram (64 MB at 64×64), fewer, so the starts cost no more than the solve.
 */
export function startsFor(positions: number): number {
  return Math.max(1, Math.min(FAST_DEFAULTS.starts, Math.round((FAST_DEFAULTS.starts * 1024) / positions)));
}

/**
 * Whether phase 2's P-solve should take its products MX, NX from the samples (one pass each,
 * ~6·N·C·S·R flops) rather than form M and N (4·N·C·S² + 2·N·C²·S flops per round): on large
 * layers (S = 4096 against R = 16) a round of streamed products costs a fraction of forming them.
 */
export function streamedPartsCheaper(count: number, channels: number, positions: number, parts: number): boolean {
  return partsStepFlops(count, channels, positions, parts, true) < partsStepFlops(count, channels, positions, parts, false);
}

/** FLOPs of one phase-2 P-step, streamed or with M and N formed (the FISTA on formed M, N is cheap beside). */
export function partsStepFlops(count: number, channels: number, positions: number, parts: number, streamed: boolean): number {
  if (!streamed) return 4 * count * channels * positions * positions + 2 * count * channels * channels * positions;
  const perEvaluation = 6 * count * channels * positions * parts + 4 * count * channels * channels * parts;
  // FISTA with backtracking takes about 2.5 evaluations per iteration.
  return FAST_DEFAULTS.streamedIterations * 2.5 * perEvaluation;
}

function randomParts(positions: number, rank: number, rng: () => number): Matrix {
  return matrix(positions, rank, Float32Array.from({ length: positions * rank }, () => rng()));
}

export async function fastSolve(source: FeatureSource, options: SolverOptions, backend: TensorBackend): Promise<SolverResult> {
  const started = performance.now();
  const { channels, height, width } = source.shape;
  const positions = height * width;
  const count = source.count;
  const maxIterations = options.iterations ?? FAST_DEFAULTS.iterations;
  const tolerance = options.tolerance ?? FAST_DEFAULTS.tolerance;
  const full = options.appearances === channels;
  let round = 0;
  let iterations = 0;
  let objective = Infinity;

  // Rounds stop on convergence, not on a count: the fraction approaches 1 as rounds go by.
  let passes = 0;
  const progress = (message: string, value?: number, step?: { done: number; total: number }) =>
    options.onProgress?.({
      fraction: round / (round + 2),
      iteration: iterations,
      objective: value === undefined ? undefined : value / count,
      phase: "solver",
      round: round + 1,
      ...step,
      message: `round ${round + 1}: ${message}${step ? ` ${step.done}/${step.total}` : ""}`,
    });
  const pass = (message: string): PassOptions => {
    passes++;
    return { signal: options.signal, onBatch: (done) => progress(`pass ${passes} (${message})`, undefined, { done, total: count }) };
  };
  const solve = async (problem: BlockProblem, start: Matrix, offset: number, label: string, budget = maxIterations) => {
    const result = await solveBlockProblem(backend, problem, start, {
      offset,
      maxIterations: budget,
      tolerance,
      signal: options.signal,
      onIteration: (i, value) => i % 10 === 0 && progress(`${label}, iteration ${i}`, value),
    });
    iterations += result.iterations;
    return result;
  };
  // Rounds cost passes over the samples; stop them at ten times the inner solves' tolerance.
  const improved = (previous: number, next: number) => (previous - next) / Math.max(Math.abs(next), 1e-30) >= 10 * tolerance;

  const bestOfStarts = async (problem: BlockProblem) => {
    const rng = createRng(options.seed);
    let best: { solution: Matrix; objective: number } | undefined;
    for (let i = 0; i < startsFor(positions); i++) {
      const start = await scaledStart(backend, problem, randomParts(positions, options.parts, rng));
      const solved = await solve(problem, start, squaredNorm, "parts", FAST_DEFAULTS.startIterations);
      if (!best || solved.objective < best.objective) best = solved;
    }
    return solve(problem, best!.solution, squaredNorm, "parts");
  };

  // Phase 1: orthonormal A.
  let a: Matrix | undefined;
  let squaredNorm = 0;
  if (!full) {
    const scatter = await channelScatterPass(source, backend, pass("channel scatter"));
    squaredNorm = trace(scatter, channels);
    a = matrix(channels, options.appearances, topColumns(await backend.symmetricEigen(scatter, channels), options.appearances));
  }
  let p: Matrix | undefined;
  let grams: { k: Float64Array; q: Float64Array } | undefined;
  let gramSeconds = 0;
  for (;;) {
    const gramStarted = performance.now();
    const m = await spatialGramPass(source, backend, a, pass("spatial Gram"));
    gramSeconds = (performance.now() - gramStarted) / 1000;
    if (full) squaredNorm = trace(m, positions);
    const problem: BlockProblem = { m: toMatrix(positions, positions, m), nonnegative: true };
    const solved = p ? await solve(problem, p, squaredNorm, "parts") : await bestOfStarts(problem);
    p = solved.solution;
    round++;
    // With R_C = C any orthonormal A gives AAᵀ = I: P alone is the phase's optimum.
    if (full) {
      objective = solved.objective;
      break;
    }
    grams = await appearanceGramsPass(source, backend, p, pass("appearances"));
    const next = await orthonormalAppearances(backend, grams.k, grams.q, channels, options.appearances, squaredNorm);
    a = next.a;
    const previous = objective;
    objective = next.objective;
    progress("appearances (closed form)", objective);
    if (!improved(previous, objective) || round >= FAST_DEFAULTS.rounds) break;
  }

  // Phase 2: free A, alternating exact-structure block solves on the weighting B = AAᵀ.
  let weight = a ? await backend.matmul(a, a, { transposeB: true }) : unitWeight(channels);
  const streamParts = streamedPartsCheaper(count, channels, positions, options.parts);
  // What a P-step costs, from the first Gram pass's measured rate until one has run.
  const gramFlops = 2 * count * channels * positions * positions;
  let partsStepSeconds = (gramSeconds * partsStepFlops(count, channels, positions, options.parts, streamParts)) / gramFlops;
  const overBudget = (next: number) => options.timeBudgetSeconds !== undefined && (performance.now() - started) / 1000 + next > options.timeBudgetSeconds;
  for (let free = 0; free < FAST_DEFAULTS.rounds; free++) {
    throwIfCancelled(options.signal);
    const previous = objective;
    grams ??= await appearanceGramsPass(source, backend, p, pass("appearances"));
    const k = toMatrix(channels, channels, grams.k);
    const q = toMatrix(channels, channels, grams.q);
    grams = undefined;
    if (full) {
      // The closed form is a stationary point, not always a descent from the current B: keep the better.
      const closed = await lyapunovWeight(backend, k, q, squaredNorm);
      if (closed.objective <= squaredNorm + (await weightTerm(backend, weight, k, q))) weight = closed.weight;
      progress("appearances (closed form)", closed.objective);
    } else {
      a = (await solve({ m: k, n: q, nonnegative: false }, a!, squaredNorm, "appearances")).solution;
      weight = await backend.matmul(a, a, { transposeB: true });
    }
    // Phase 1 always completes, and so does each A-step (one cheap pass); a P-step that would end
    // after the time budget is skipped.
    if (overBudget(partsStepSeconds)) break;
    const partsStarted = performance.now();
    let solved;
    if (streamParts) {
      const b = weight;
      const problem: BlockProblem = { nonnegative: true, products: (x) => weightedProductsPass(source, backend, b, x, pass("parts products")) };
      solved = await solve(problem, p, squaredNorm, "parts", FAST_DEFAULTS.streamedIterations);
    } else {
      const mn = await weightedGramsPass(source, backend, weight, pass("weighted Gram"));
      solved = await solve({ m: toMatrix(positions, positions, mn.m), n: toMatrix(positions, positions, mn.n), nonnegative: true }, p, squaredNorm, "parts");
    }
    p = solved.solution;
    objective = solved.objective;
    partsStepSeconds = (performance.now() - partsStarted) / 1000;
    round++;
    progress("parts", objective);
    if (!improved(previous, objective)) break;
  }
  const appearances = full ? await factorWeight(backend, weight) : a!;

  // The final objective from the residuals themselves: the running values above are float32
  // expansions that lose digits to cancellation when the fit is good.
  const terms = await objectivePass(source, backend, appearances, p, pass("objective"));
  options.onProgress?.({ fraction: 1, iteration: iterations, objective: terms.residual / count, message: "done" });
  return {
    factors: { shape: source.shape, partsRank: options.parts, appearancesRank: options.appearances, parts: p.data, appearances: appearances.data },
    report: {
      solver: "fast",
      objective: terms.residual / count,
      relativeObjective: terms.residual / terms.squaredNorm,
      iterations,
      seconds: (performance.now() - started) / 1000,
    },
  };
}
