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
import { BlockProblem, BlockProblemResult, scaledStart, solveBlockProblem, withFixedMatrices } from "./block-problem";
import { throwIfCancelled } from "./cancellation";
import { coarseStartPays, liftParts, pooledFeatures } from "./coarse-start";
import { PassOptions, appearanceGramsPass, channelScatterPass, objectivePass, spatialGramPass, trace, weightedGramsPass, weightedProductsPass } from "./passes";
import { FeatureSource, ObjectivePoint, SolverOptions, SolverResult } from "./types";

export const FAST_DEFAULTS = {
  /** FISTA iterations per block solve */
  iterations: 500,
  /** 1e-5 stops phase 2 while it still gains a few percent on real layers; 1e-6 does not */
  tolerance: 1e-6,
  /** alternations of A and P in each phase */
  rounds: 20,
  /**
   * Phase 2 stops when a round gains less than this fraction of the objective, or when the next
   * one is expected to (gains shrink geometrically: the next ≈ last² / the one before). On a real
   * 32×32 layer the rounds after the first two gained 0.02 % and 0.002 % for 40 % of the solver's
   * time. An explicit `tolerance` keeps the former rule (10× the inner tolerance, no forecast).
   */
  roundGain: 1e-4,
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

/**
 * Whether phase 2 runs another round after rounds that gained these fractions of the objective:
 * not when the last gained less than FAST_DEFAULTS.roundGain, nor when the next one is forecast
 * to (gains shrinking geometrically: next ≈ last² / the one before); a growing gain goes on.
 */
export function anotherRoundPays(gains: readonly number[]): boolean {
  const last = gains.at(-1);
  if (last === undefined) return true;
  if (last < FAST_DEFAULTS.roundGain) return false;
  const before = gains.at(-2);
  return before === undefined || before <= last || (last * last) / before >= FAST_DEFAULTS.roundGain;
}

function randomParts(positions: number, rank: number, rng: () => number): Matrix {
  return matrix(positions, rank, Float32Array.from({ length: positions * rank }, () => rng()));
}

/** One block solve of the fast solver. */
interface SolveOptions {
  /** FISTA iterations at most (default: the solver's) */
  iterations?: number;
  /** its products are passes over the samples, and it ends by the deadline */
  streamed?: { deadline?: number };
  /** the part of the round's block solve this call is (a random start: a few of them), for progress */
  share?: { from: number; size: number };
}

/** `freeRounds`: phase 2's rounds at most (0: phase 1 only, as the coarse start solves the pooled problem). */
export async function fastSolve(source: FeatureSource, options: SolverOptions, backend: TensorBackend, freeRounds = FAST_DEFAULTS.rounds): Promise<SolverResult> {
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
  // The objective after each block solve, as the solve goes (running values; the last one exact).
  const history: ObjectivePoint[] = [];
  const record = (value: number) => history.push({ seconds: (performance.now() - started) / 1000, objective: value / count });

  // Rounds stop on convergence, not on a count: the fraction approaches 1 as rounds go by, and
  // within a round it moves towards the next round's as the block solve's iterations are spent
  // (a first P-solve can take a quarter of the solver's time). With a time budget, which ends the
  // rounds at the latest, it is at least the budget's share spent. It never goes back.
  let passes = 0;
  let solveShare = 0;
  let reported = 0;
  const fraction = () => {
    const at = round / (round + 2);
    const byRounds = at + Math.min(0.95, solveShare) * ((round + 1) / (round + 3) - at);
    const byTime = options.timeBudgetSeconds ? (performance.now() - started) / (1000 * options.timeBudgetSeconds) : 0;
    reported = Math.max(reported, Math.min(0.95, Math.max(byRounds, byTime)));
    return reported;
  };
  const nextRound = () => {
    round++;
    solveShare = 0;
  };
  const progress = (message: string, value?: number, step?: { done: number; total: number }) =>
    options.onProgress?.({
      fraction: fraction(),
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
  // A streamed solve's iterations are passes over the samples: each one's objective goes into the
  // history, which then shows when the solver reached a value, not only when the solve ended; and
  // its first step comes from the curvature probed along it (one pass, not ~7 backtracking ones).
  // The objective adds Σ‖Z_i‖² (squaredNorm, known by the time any solve runs) to f.
  const solve = async (problem: BlockProblem, start: Matrix, label: string, { iterations: budget = maxIterations, streamed, share = { from: 0, size: 1 } }: SolveOptions = {}): Promise<BlockProblemResult> => {
    const result = await solveBlockProblem(backend, problem, start, {
      offset: squaredNorm,
      maxIterations: budget,
      deadline: streamed?.deadline,
      probeCurvature: streamed !== undefined,
      tolerance,
      signal: options.signal,
      onIteration: (i, value) => {
        solveShare = share.from + (share.size * i) / budget;
        if (streamed) record(value);
        if (i % 10 === 0) progress(`${label}, iteration ${i}`, value);
      },
    });
    iterations += result.iterations;
    return result;
  };
  // Rounds cost passes over the samples; stop them at ten times the inner solves' tolerance.
  const improved = (previous: number, next: number) => (previous - next) / Math.max(Math.abs(next), 1e-30) >= 10 * tolerance;
  // Phase 2's rounds: relative gains so far (see anotherRoundPays).
  const roundGains: number[] = [];
  const worthAnotherRound = (previous: number, next: number): boolean => {
    if (options.tolerance !== undefined) return improved(previous, next);
    roundGains.push((previous - next) / Math.max(Math.abs(next), 1e-30));
    return anotherRoundPays(roundGains);
  };

  const bestOfStarts = async (problem: BlockProblem): Promise<BlockProblemResult> => {
    const rng = createRng(options.seed);
    let best: { solution: Matrix; objective: number } | undefined;
    const starts = startsFor(positions);
    // the starts take about as many iterations as finishing the best one: half the solve's share
    for (let i = 0; i < starts; i++) {
      const start = await scaledStart(backend, problem, randomParts(positions, options.parts, rng));
      const solved = await solve(problem, start, `parts, start ${i + 1}/${starts}`, { iterations: FAST_DEFAULTS.startIterations, share: { from: i / (2 * starts), size: 1 / (2 * starts) } });
      if (!best || solved.objective < best.objective) best = solved;
    }
    return solve(problem, best!.solution, "parts, best start", { share: { from: 0.5, size: 0.5 } });
  };

  let a: Matrix | undefined;
  let squaredNorm = 0;
  let p: Matrix | undefined;
  let grams: { k: Float64Array; q: Float64Array } | undefined;
  let gramSeconds = 0;
  const streamParts = streamedPartsCheaper(count, channels, positions, options.parts);
  const coarse = coarseStartPays(source.shape, streamParts);
  if (coarse) {
    // Phase 1 on the 2×2-pooled features (see coarse-start.ts), then phase 2 at full resolution.
    const pooled = await pooledFeatures(source, backend, { memoryBudget: options.featureMemoryBudget, signal: options.signal, ...pass("half resolution") });
    try {
      const elapsed = (performance.now() - started) / 1000;
      const shift = (pooled.squaredNorm - pooled.pooledSquaredNorm) / count;
      const inner = await fastSolve(
        pooled.source,
        {
          ...options,
          timeBudgetSeconds: options.timeBudgetSeconds === undefined ? undefined : options.timeBudgetSeconds - elapsed,
          // the coarse start is round 1: its fraction goes from 0 to round 2's, 1/3
          onProgress: (e) => {
            reported = Math.max(reported, e.fraction / 3);
            options.onProgress?.({ ...e, fraction: fraction(), objective: e.objective === undefined ? undefined : e.objective + shift, message: `${height / 2}×${width / 2} first: ${e.message ?? ""}` });
          },
        },
        backend,
        0, // phase 1 only: phase 2's rounds belong at full resolution (see coarse-start.ts)
      );
      for (const point of inner.report.trace ?? []) history.push({ seconds: elapsed + point.seconds, objective: point.objective + shift });
      iterations += inner.report.iterations;
      nextRound();
      squaredNorm = pooled.squaredNorm;
      objective = inner.report.objective * count + pooled.squaredNorm - pooled.pooledSquaredNorm;
      a = matrix(channels, options.appearances, inner.factors.appearances);
      p = liftParts(matrix(positions / 4, options.parts, inner.factors.parts), height, width);
    } finally {
      await pooled.source.dispose();
    }
  }

  // Phase 1: orthonormal A.
  if (!coarse && !full) {
    const scatter = await channelScatterPass(source, backend, pass("channel scatter"));
    squaredNorm = trace(scatter, channels);
    a = matrix(channels, options.appearances, topColumns(await backend.symmetricEigen(scatter, channels), options.appearances));
  }
  while (!coarse) {
    const gramStarted = performance.now();
    const m = await spatialGramPass(source, backend, a, pass("spatial Gram"));
    gramSeconds = (performance.now() - gramStarted) / 1000;
    if (full) squaredNorm = trace(m, positions);
    const problem: BlockProblem = { m: toMatrix(positions, positions, m), nonnegative: true };
    const start = p;
    const solved = await withFixedMatrices(backend, problem, (fixed) => (start ? solve(fixed, start, "parts") : bestOfStarts(fixed)));
    p = solved.solution;
    record(solved.objective);
    nextRound();
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
    record(objective);
    progress("appearances (closed form)", objective);
    if (!improved(previous, objective) || round >= FAST_DEFAULTS.rounds) break;
  }

  if (!p) throw new Error("the fast solver's first phase found no parts"); // unreachable: phase 1 or the coarse start sets P

  // Phase 2: free A, alternating exact-structure block solves on the weighting B = AAᵀ.
  let weight = a ? await backend.matmul(a, a, { transposeB: true }) : unitWeight(channels);
  const unit = a ? undefined : weight;
  // What the next P-step needs before its first result. Formed: the whole step (a Gram pass, then
  // FISTA), from the first Gram pass's measured rate, then as the last one took. Streamed: one
  // FISTA iteration (about a pass and a backtracking one), since a streamed solve stops at the
  // deadline with its best point: from the A-step's pass, then the last solve's seconds per iteration.
  const gramFlops = 2 * count * channels * positions * positions;
  let partsStepSeconds = (gramSeconds * partsStepFlops(count, channels, positions, options.parts, false)) / gramFlops;
  let iterationSeconds: number | undefined;
  // The rounds end in time for the final objective pass, which reads the samples once, as the
  // A-step and each streamed product do: the longest of those passes is kept back from the budget.
  let passSeconds = 0;
  const budgetEnd = options.timeBudgetSeconds === undefined ? undefined : started + 1000 * options.timeBudgetSeconds;
  const roundsDeadline = () => (budgetEnd === undefined ? undefined : budgetEnd - 1000 * passSeconds);
  const overBudget = (next: number) => budgetEnd !== undefined && performance.now() + 1000 * next > roundsDeadline()!;
  // The A-step: closed form (R_C = C) or FISTA on (K, Q), from one pass with the current P.
  const appearancesStep = async (parts: Matrix) => {
    grams ??= await appearanceGramsPass(source, backend, parts, pass("appearances"));
    const k = toMatrix(channels, channels, grams.k);
    const q = toMatrix(channels, channels, grams.q);
    grams = undefined;
    if (full) {
      // The closed form is a stationary point, not always a descent from the current B: keep the better.
      const closed = await lyapunovWeight(backend, k, q, squaredNorm);
      const current = squaredNorm + (await weightTerm(backend, weight, k, q));
      if (closed.objective <= current) weight = closed.weight;
      record(Math.min(closed.objective, current));
      progress("appearances (closed form)", closed.objective);
    } else {
      const solvedA = await withFixedMatrices(backend, { m: k, n: q, nonnegative: false }, (fixed) => solve(fixed, a!, "appearances"));
      a = solvedA.solution;
      record(solvedA.objective);
      weight = await backend.matmul(a, a, { transposeB: true });
    }
  };
  for (let free = 0; free < freeRounds; free++) {
    throwIfCancelled(options.signal);
    if (free > 0 && overBudget(passSeconds)) break;
    const previous = objective;
    const appearancesStarted = performance.now();
    await appearancesStep(p);
    passSeconds = Math.max(passSeconds, (performance.now() - appearancesStarted) / 1000);
    iterationSeconds ??= 1.5 * passSeconds;
    // Phase 1 always completes, and so does phase 2's first A-step (one cheap pass); a later A-step
    // or a P-step that could not give a result within the time budget is skipped, except the first
    // P-step after a coarse start: its parts are still constant on 2×2 cells, and one iteration
    // (about 1.5 passes) leaves them.
    const refinesCoarse = coarse && free === 0;
    if (!refinesCoarse && overBudget(streamParts ? iterationSeconds : partsStepSeconds)) break;
    const partsStarted = performance.now();
    let solved: BlockProblemResult;
    if (streamParts) {
      const b = weight;
      const problem: BlockProblem = { nonnegative: true, products: (x) => weightedProductsPass(source, backend, b, x, pass("parts products")) };
      // Each iteration is a few passes over the samples: stop at the budget with the best point so far.
      solved = await solve(problem, p, "parts", { iterations: FAST_DEFAULTS.streamedIterations, streamed: { deadline: roundsDeadline() } });
    } else {
      const mn = await weightedGramsPass(source, backend, weight, pass("weighted Gram"));
      const start = p;
      solved = await withFixedMatrices(backend, { m: toMatrix(positions, positions, mn.m), n: toMatrix(positions, positions, mn.n), nonnegative: true }, (fixed) =>
        solve(fixed, start, "parts"),
      );
    }
    p = solved.solution;
    objective = solved.objective;
    record(objective);
    partsStepSeconds = (performance.now() - partsStarted) / 1000;
    iterationSeconds = partsStepSeconds / Math.max(1, solved.iterations);
    if (streamParts) passSeconds = Math.max(passSeconds, partsStepSeconds / solved.evaluations);
    nextRound();
    progress("parts", objective);
    if (!worthAnotherRound(previous, objective)) break;
  }
  // B = I (no round changed it) is its own factor: no C×C eigendecomposition.
  const appearances = full ? (weight === unit ? weight : await factorWeight(backend, weight)) : a!;

  // The final objective from the residuals themselves: the running values above are float32
  // expansions that lose digits to cancellation when the fit is good.
  const terms = await objectivePass(source, backend, appearances, p, pass("objective"));
  record(terms.residual);
  options.onProgress?.({ fraction: 1, iteration: iterations, objective: terms.residual / count, message: "done" });
  return {
    factors: { shape: source.shape, partsRank: options.parts, appearancesRank: options.appearances, parts: p.data, appearances: appearances.data },
    report: {
      solver: "fast",
      objective: terms.residual / count,
      relativeObjective: terms.residual / terms.squaredNorm,
      iterations,
      seconds: (performance.now() - started) / 1000,
      trace: history,
    },
  };
}
