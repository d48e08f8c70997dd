/**
 * Both solvers on synthetic features with planted parts: recovery of the parts, objective
 * behaviour, determinism, cancellation and progress.
 */
import { decompose, objective } from "../../../companion-server/src/engine/panda/decompose";
import { FAST_DEFAULTS, anotherRoundPays, fastSolve } from "../../../companion-server/src/engine/panda/fast-solver";
import { referenceSolve } from "../../../companion-server/src/engine/panda/reference-solver";
import { CancelledError, SolverOptions, SolverProgress } from "../../../companion-server/src/engine/panda/types";
import { inMemoryFeatures } from "../../../companion-server/src/engine/sampling";
import { TypeScriptBackend } from "../../../companion-server/src/engine/tensor/typescript-backend";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { matchParts, plantedFeatures } from "../planted";

const sessions = new SessionFactory();
const planted = plantedFeatures({ channels: 32, count: 48, seed: 11 });
const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
const small = plantedFeatures({ channels: 12, count: 24, seed: 12 });
const smallSource = inMemoryFeatures(small.data, small.shape, small.count);
const fast: SolverOptions = { parts: 5, appearances: 32, solver: "fast", seed: 1 };

describe("fast solver", () => {
  test.each([32, 12])("recovers every planted part with IoU ≥ 0.8 (R_C = %i of 32)", async (appearances) => {
    const result = await decompose(source, { ...fast, appearances }, sessions);
    for (const score of matchParts(planted.parts, result.factors.parts, 5)) expect(score).toBeGreaterThanOrEqual(0.8);
    expect(result.factors.parts.every((v) => v >= 0)).toBe(true);
    expect(result.factors.appearances).toHaveLength(32 * appearances);
    if (appearances === 32) expect(result.report.relativeObjective).toBeLessThan(0.05);
  });

  test("its reported objective is the objective of its factors", async () => {
    const result = await decompose(source, fast, sessions);
    const evaluated = await objective(source, result.factors, sessions);
    expect(evaluated.objective / result.report.objective).toBeCloseTo(1, 6);
    expect(evaluated.relativeObjective / result.report.relativeObjective).toBeCloseTo(1, 6);
  });

  test("a spent time budget skips phase 2's P-steps but keeps its A-step", async () => {
    const messages: string[] = [];
    const budgeted = await decompose(source, { ...fast, timeBudgetSeconds: 0, onProgress: (p) => messages.push(p.message ?? "") }, sessions);
    const unbounded = await decompose(source, fast, sessions);
    expect(messages.some((m) => m.includes("weighted Gram"))).toBe(false);
    expect(messages.some((m) => m.includes("appearances (closed form)"))).toBe(true);
    expect(budgeted.report.objective).toBeGreaterThanOrEqual(unbounded.report.objective * (1 - 1e-6));
    expect(budgeted.report.relativeObjective).toBeLessThan(0.05);
  });

  test("phase 2 stops on a round gaining < 1e-4 or on a forecast next gain (last² / the one before) < 1e-4", () => {
    expect(FAST_DEFAULTS.roundGain).toBe(1e-4);
    expect(anotherRoundPays([])).toBe(true);
    expect(anotherRoundPays([5e-3])).toBe(true);
    expect(anotherRoundPays([5e-5])).toBe(false);
    expect(anotherRoundPays([1e-2, 5e-5])).toBe(false);
    // shrinking geometrically: 2e-4 now forecasts 2e-4² / 1e-3 = 4e-5 next, not worth a round
    expect(anotherRoundPays([1e-3, 2e-4])).toBe(false);
    // shrinking slowly: 5e-4 forecasts 5e-4² / 1e-3 = 2.5e-4
    expect(anotherRoundPays([1e-3, 5e-4])).toBe(true);
    // a growing gain goes on whatever it forecasts
    expect(anotherRoundPays([1e-4, 2e-4])).toBe(true);
    expect(anotherRoundPays([1e-2, 1e-3, 1.2e-3])).toBe(true);
  });

  test("phase 2's rounds end where that rule says: each round's gain but the last pays for another", async () => {
    // R_C = C, no coarse start: the trace is phase 1's P, then an A-step and a P-step per round, then the exact objective
    const result = await decompose(source, fast, sessions);
    const trace = result.report.trace!.map((p) => p.objective);
    const partsSteps = trace.slice(0, -1).filter((_, i) => i % 2 === 0);
    expect(partsSteps.length).toBeGreaterThanOrEqual(3);
    const gains = partsSteps.slice(1).map((next, i) => (partsSteps[i] - next) / next);
    expect(gains.length).toBeLessThan(FAST_DEFAULTS.rounds);
    for (let i = 1; i < gains.length; i++) expect(anotherRoundPays(gains.slice(0, i))).toBe(true);
    expect(anotherRoundPays(gains)).toBe(false);
  });

  test("is deterministic for a seed", async () => {
    const [x, y] = [await decompose(source, fast, sessions), await decompose(source, fast, sessions)];
    expect(Array.from(x.factors.parts)).toEqual(Array.from(y.factors.parts));
    expect(x.report.objective).toBe(y.report.objective);
  });

  test("reports progress with objectives, ending near 1; the fraction never goes back and moves within the first round's solve, naming its random starts", async () => {
    const events: SolverProgress[] = [];
    await decompose(source, { ...fast, onProgress: (p) => events.push(p) }, sessions);
    expect(events.length).toBeGreaterThan(2);
    expect(events.some((e) => e.objective !== undefined)).toBe(true);
    for (const e of events) expect(e.fraction).toBeGreaterThanOrEqual(0);
    for (const e of events) expect(e.fraction).toBeLessThanOrEqual(1);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    const firstRound = events.filter((e) => e.round === 1);
    expect(new Set(firstRound.map((e) => e.fraction)).size).toBeGreaterThan(3);
    expect(firstRound.some((e) => /round 1: parts, start 2\/\d+, iteration/.test(e.message ?? ""))).toBe(true);
  });

  test("traces its objective after each block solve: time goes forward, the objective down, the last point is the exact objective", async () => {
    const result = await decompose(source, fast, sessions);
    const trace = result.report.trace!;
    expect(trace.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < trace.length; i++) {
      expect(trace[i].seconds).toBeGreaterThanOrEqual(trace[i - 1].seconds);
      // running values are float32 expansions: allow their rounding
      expect(trace[i].objective).toBeLessThanOrEqual(trace[i - 1].objective * (1 + 1e-4));
    }
    expect(trace[trace.length - 1].objective).toBe(result.report.objective);
    expect(trace[trace.length - 1].seconds).toBeLessThanOrEqual(result.report.seconds);
  });

  test("reaches a lower objective than the reference solver on the same data", async () => {
    const reference = await referenceSolve(smallSource, { parts: 5, appearances: 12, solver: "reference", seed: 1, iterations: 1500 }, new TypeScriptBackend());
    const result = await decompose(smallSource, { parts: 5, appearances: 12, solver: "fast", seed: 1 }, sessions);
    expect(result.report.objective).toBeLessThanOrEqual(reference.report.objective);
  });
});

describe("reference solver", () => {
  const options: SolverOptions = { parts: 5, appearances: 12, solver: "reference", seed: 2 };
  const backend = new TypeScriptBackend();

  test("its objective decreases as iterations go on", async () => {
    const objectives: number[] = [];
    for (const iterations of [1, 100, 400, 1600]) objectives.push((await referenceSolve(smallSource, { ...options, iterations }, backend)).report.objective);
    for (let i = 1; i < objectives.length; i++) expect(objectives[i]).toBeLessThan(objectives[i - 1]);
  });

  test("recovers the planted parts on a small case", async () => {
    const result = await referenceSolve(smallSource, { ...options, iterations: 3000 }, backend);
    for (const score of matchParts(small.parts, result.factors.parts, 5)) expect(score).toBeGreaterThanOrEqual(0.8);
  });

  test("is deterministic for a seed, and runs through decompose on ONNX Runtime", async () => {
    const [x, y] = [await decompose(smallSource, { ...options, iterations: 30 }, sessions), await decompose(smallSource, { ...options, iterations: 30 }, sessions)];
    expect(Array.from(x.factors.parts)).toEqual(Array.from(y.factors.parts));
    expect(x.report).toMatchObject({ solver: "reference", iterations: 30 });
  });

  test("traceEvery records the exact objective of the iterates along the way, and the final one last", async () => {
    const traced = await referenceSolve(smallSource, { ...options, iterations: 300, traceEvery: 100 }, backend);
    const shorter = await referenceSolve(smallSource, { ...options, iterations: 200 }, backend);
    const trace = traced.report.trace!;
    expect(trace).toHaveLength(3);
    expect(trace[1].objective / shorter.report.objective).toBeCloseTo(1, 10);
    expect(trace[2].objective).toBe(traced.report.objective);
    expect(trace[0].objective).toBeGreaterThan(trace[2].objective);
    for (let i = 1; i < trace.length; i++) expect(trace[i].seconds).toBeGreaterThanOrEqual(trace[i - 1].seconds);
    expect(trace[2].seconds).toBe(traced.report.seconds);
    expect(shorter.report.trace).toBeUndefined();
    await expect(decompose(smallSource, { ...options, traceEvery: 0 }, sessions)).rejects.toThrow("traceEvery must be a whole number ≥ 1, got 0");
  });

  test("gradients summed over a batch of samples also descend", async () => {
    const one = await referenceSolve(smallSource, { ...options, iterations: 1 }, backend);
    const more = await referenceSolve(smallSource, { ...options, iterations: 200, batchSize: 4 }, backend);
    expect(more.report.objective).toBeLessThan(one.report.objective);
  });
});

describe("cancellation", () => {
  test.each(["fast", "reference"] as const)("the %s solver rejects with CancelledError when aborted mid-run", async (solver) => {
    const controller = new AbortController();
    const run = decompose(
      source,
      { ...fast, solver, iterations: solver === "reference" ? 100000 : undefined, signal: controller.signal, onProgress: () => controller.abort() },
      sessions,
    );
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  test("an already aborted signal cancels before any work", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fastSolve(source, { ...fast, signal: controller.signal }, new TypeScriptBackend())).rejects.toBeInstanceOf(CancelledError);
  });
});
