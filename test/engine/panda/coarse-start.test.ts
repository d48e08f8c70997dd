/**
 * The fast solver's coarse-to-fine start on large layers: parts constant on 2×2 cells are exactly
 * the problem on the pooled features (same objective up to the constant Σ‖Z‖² − Σ‖Z'‖²), and a
 * solve that starts there finds the planted parts at full resolution.
 */
import { coarseStartPays, liftParts, pooledFeatures } from "../../../companion-server/src/engine/panda/coarse-start";
import { decompose, objective } from "../../../companion-server/src/engine/panda/decompose";
import { streamedPartsCheaper } from "../../../companion-server/src/engine/panda/fast-solver";
import { SOLVER_BUDGET_SHARE } from "../../../companion-server/src/engine/panda/fit-factorisation";
import { ASSUMED_GFLOPS, BASE_BYTES, describeRefusal, planFit, refusal } from "../../../companion-server/src/engine/panda/fit-plan";
import { objectivePass } from "../../../companion-server/src/engine/panda/passes";
import { inMemoryFeatures } from "../../../companion-server/src/engine/sampling";
import { matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { TypeScriptBackend } from "../../../companion-server/src/engine/tensor/typescript-backend";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { createRng, fillNormal } from "../../../companion-server/src/runtime/random";
import { FIVE_BLOBS, matchParts, plantedFeatures } from "../planted";

test("large layers start coarse: 64×64 with 256 samples; not 32×32 with 512, nor a grid that does not halve", () => {
  const streamed = (c: number, h: number, w: number, n: number) => streamedPartsCheaper(n, c, h * w, 16);
  expect(coarseStartPays({ channels: 512, height: 64, width: 64 }, streamed(512, 64, 64, 256))).toBe(true);
  expect(coarseStartPays({ channels: 512, height: 32, width: 32 }, streamed(512, 32, 32, 512))).toBe(false);
  expect(coarseStartPays({ channels: 512, height: 63, width: 64 }, streamed(512, 63, 64, 256))).toBe(false);
});

test("parts lifted from the pooled grid have the pooled objective at full resolution, up to Σ‖Z‖² − Σ‖Z'‖²", async () => {
  const backend = new TypeScriptBackend();
  const rng = createRng(7);
  const [count, channels, height, width, parts] = [3, 5, 6, 8, 2];
  const data = fillNormal(new Float32Array(count * channels * height * width), rng);
  const source = inMemoryFeatures(data, { channels, height, width }, count);
  const pooled = await pooledFeatures(source, backend, {});
  expect(pooled.source.shape).toEqual({ channels, height: 3, width: 4 });
  // Z' is half of each 2×2 cell's sum: first sample, first channel, first cell.
  const first: number[] = [];
  await pooled.source.forEachBatch(count, (batch) => void first.push(batch[0]));
  expect(first[0]).toBeCloseTo((data[0] + data[1] + data[width] + data[width + 1]) / 2, 5);
  expect(pooled.squaredNorm).toBeCloseTo(data.reduce((s, v) => s + v * v, 0), 3);

  const a = matrix(channels, 3, fillNormal(new Float32Array(channels * 3), rng));
  const y = matrix(12, parts, Float32Array.from({ length: 12 * parts }, () => rng()));
  const coarse = await objectivePass(pooled.source, backend, a, y);
  const lifted = liftParts(y, height, width);
  expect(lifted.data[(1 * width + 1) * parts]).toBe(y.data[0] / 2); // cell (0, 0) covers rows 0–1, columns 0–1
  const fine = await objectivePass(source, backend, a, lifted);
  expect(coarse.squaredNorm).toBeCloseTo(pooled.pooledSquaredNorm, 3);
  expect(fine.residual).toBeCloseTo(coarse.residual - pooled.pooledSquaredNorm + pooled.squaredNorm, 2);
  await pooled.source.dispose();
});

test("a fit that starts coarse finds the planted parts at full resolution, and reports its exact objective", async () => {
  const sessions = new SessionFactory();
  // Five blobs on 32×32: large enough against 8 channels that P-steps are streamed.
  const planted = plantedFeatures({ channels: 8, count: 8, height: 32, width: 32, seed: 4, blobs: FIVE_BLOBS.map((b) => ({ y: 2 * b.y, x: 2 * b.x, radius: 2 * b.radius })) });
  const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
  expect(coarseStartPays(planted.shape, streamedPartsCheaper(8, 8, 32 * 32, 5))).toBe(true);
  const messages: string[] = [];
  const result = await decompose(source, { parts: 5, appearances: 8, solver: "fast", seed: 1, onProgress: (p) => messages.push(p.message ?? "") }, sessions);
  expect(messages.some((m) => m.includes("half resolution"))).toBe(true);
  expect(messages.some((m) => m.startsWith("16×16 first: "))).toBe(true);
  expect(messages.some((m) => m.includes("parts products"))).toBe(true); // refined at full resolution
  // only phase 1 on the pooled grid: phase 2's A- and P-steps run at full resolution
  expect(messages.filter((m) => m.startsWith("16×16 first: ") && /appearances|weighted Gram/.test(m))).toEqual([]);
  expect(messages.some((m) => !m.startsWith("16×16 first: ") && m.includes("appearances (closed form)"))).toBe(true);
  for (const score of matchParts(planted.parts, result.factors.parts, 5)) expect(score).toBeGreaterThanOrEqual(0.8);
  expect(result.factors.parts).toHaveLength(32 * 32 * 5);
  const evaluated = await objective(source, result.factors, sessions);
  expect(evaluated.objective / result.report.objective).toBeCloseTo(1, 6);
  const trace = result.report.trace!;
  expect(trace[trace.length - 1].objective).toBe(result.report.objective);
  // the full-resolution refinement never ends above where the coarse start left it
  expect(result.report.objective).toBeLessThanOrEqual(trace[0].objective * (1 + 1e-4));
  await sessions.close();
});

test("a spent time budget still takes the first full-resolution P-iteration after a coarse start, and it ends below the lifted parts", async () => {
  const sessions = new SessionFactory();
  const planted = plantedFeatures({ channels: 8, count: 8, height: 32, width: 32, seed: 4, blobs: FIVE_BLOBS.map((b) => ({ y: 2 * b.y, x: 2 * b.x, radius: 2 * b.radius })) });
  const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
  const messages: string[] = [];
  const result = await decompose(source, { parts: 5, appearances: 8, solver: "fast", seed: 1, timeBudgetSeconds: 0, onProgress: (p) => messages.push(p.message ?? "") }, sessions);
  const fullResolution = messages.filter((m) => !m.startsWith("16×16 first: "));
  expect(fullResolution.some((m) => m.includes("parts products"))).toBe(true);
  // that P-step only (round 2, after the lifted start's A-step): the budget is spent
  expect(new Set(fullResolution.filter((m) => m.includes("parts products")).map((m) => m.split(":")[0]))).toEqual(new Set(["round 2"]));
  const trace = result.report.trace!;
  expect(result.report.objective).toBeLessThanOrEqual(trace[0].objective * (1 + 1e-4));
  await sessions.close();
});

test("the plan of a 64×64 fit counts its coarse start: the Gram over S/4 positions and the pooled samples (a quarter of the bytes)", () => {
  const limits = { featureMemoryBudget: 1 << 30, memoryLimit: 64 * 2 ** 30, tempDir: "/tmp", diskFree: Infinity };
  const job = { shape: { channels: 512, height: 64, width: 64 }, samples: 256, parts: 16, appearances: 512, sampled: true, headSecondsPerSample: 1 };
  const fast = planFit({ ...job, solver: "fast" }, limits);
  const featureBytes = 256 * 512 * 4096 * 4;
  expect(fast).toMatchObject({ featureBytes, features: "disk", diskBytes: featureBytes });
  // the pooled 512 MiB stay in memory; no 64 MB S×S matrices are planned
  expect(fast.memoryBytes).toBeGreaterThan(BASE_BYTES + featureBytes / 4);
  expect(fast.memoryBytes - BASE_BYTES - featureBytes / 4).toBeLessThan(6 * 8 * 4096 * 4096);
  // with a smaller budget the pooled samples go to disk too
  const tight = planFit({ ...job, solver: "fast" }, { ...limits, featureMemoryBudget: 256 << 20 });
  expect(tight.diskBytes).toBe(featureBytes + featureBytes / 4);
  // the Gram over 1024 positions: 2·N·C·S'² flops at the plan's assumed rate
  const gramMinutes = (2 * 256 * 512 * 1024 * 1024) / (ASSUMED_GFLOPS * 1e9) / 60;
  expect(fast.minutes.solver).toBeGreaterThanOrEqual(Math.round(gramMinutes * 100) / 100);
  // then refinement rounds, cut to the solver's share of the sampling's time (256 s)
  expect(fast.minutes.solver).toBeLessThanOrEqual(gramMinutes + (SOLVER_BUDGET_SHARE * 256) / 60 + 0.01);
});

test("a time budget holds the whole solve, the final objective pass included: the rounds keep a pass's time back for it", async () => {
  const sessions = new SessionFactory();
  const planted = plantedFeatures({ channels: 8, count: 8, height: 32, width: 32, seed: 4, blobs: FIVE_BLOBS.map((b) => ({ y: 2 * b.y, x: 2 * b.x, radius: 2 * b.radius })) });
  const samples = inMemoryFeatures(planted.data, planted.shape, planted.count);
  // A clock that only passes over the samples move, a second each, as on a layer that cannot be held in cache.
  let clock = 0;
  const source = { ...samples, forEachBatch: async (...args: Parameters<typeof samples.forEachBatch>) => {
    await samples.forEachBatch(...args);
    clock += 1000;
  } };
  const now = jest.spyOn(performance, "now").mockImplementation(() => clock);
  try {
    const budget = 30;
    const messages: string[] = [];
    const fractions: number[] = [];
    const result = await decompose(
      source,
      {
        parts: 5,
        appearances: 8,
        solver: "fast",
        seed: 1,
        timeBudgetSeconds: budget,
        onProgress: (p) => {
          messages.push(p.message ?? "");
          fractions.push(p.fraction);
        },
      },
      sessions,
    );
    expect(result.report.seconds).toBeLessThanOrEqual(budget);
    // progress follows the budget spent: the event before "done" is past 3/4 of it (rounds alone said 1/2)
    expect(fractions.at(-2)).toBeGreaterThan(0.75);
    expect(result.report.seconds).toBeGreaterThan(budget - 4); // and it used the budget
    // the budget ended a streamed P-step, not convergence; the objective pass came last
    expect(messages.filter((m) => m.includes("parts products")).length).toBeGreaterThan(5);
    expect(messages.filter((m) => m.includes("(objective)")).at(-1)).toBeDefined();
    expect(result.report.trace!.at(-1)!.objective).toBe(result.report.objective);
  } finally {
    now.mockRestore();
    await sessions.close();
  }
});

test("a 64×64 fit refused for memory names the samples that fit: its pooled copy scales with them, though the features go to disk", () => {
  const limits = { featureMemoryBudget: 1 << 30, memoryLimit: 1000 * 2 ** 20, tempDir: "/tmp", diskFree: Infinity };
  const job = { shape: { channels: 512, height: 64, width: 64 }, samples: 256, parts: 16, appearances: 512, solver: "fast" as const, sampled: true };
  const plan = planFit(job, limits);
  expect(plan).toMatchObject({ features: "disk", heldBytes: (256 * 512 * 4096 * 4) / 4 });
  const refused = refusal(job, plan, limits)!;
  const fitting = Number(/lower samples to at most (\d+)$/.exec(describeRefusal(refused))![1]);
  // the count it names fits, and one more does not
  expect(refusal({ ...job, samples: fitting }, planFit({ ...job, samples: fitting }, limits), limits)).toBeNull();
  expect(refusal({ ...job, samples: fitting + 1 }, planFit({ ...job, samples: fitting + 1 }, limits), limits)).not.toBeNull();
  // where nothing held scales with the samples, the layer is what to lower
  const tooSmall = { ...limits, memoryLimit: 450 * 2 ** 20 };
  expect(describeRefusal(refusal(job, planFit(job, tooSmall), tooSmall)!)).toMatch(/choose a layer with fewer positions than 64×64 \(without its samples it needs \d+ MiB: the process and the solver's 4096×4096 and channel matrices\)$/);
});

test("progress through a coarse start rises to phase 2's first round (1/3) and no further, and never goes back", async () => {
  const sessions = new SessionFactory();
  const planted = plantedFeatures({ channels: 8, count: 8, height: 32, width: 32, seed: 4, blobs: FIVE_BLOBS.map((b) => ({ y: 2 * b.y, x: 2 * b.x, radius: 2 * b.radius })) });
  const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
  const events: Array<{ fraction: number; message: string }> = [];
  await decompose(source, { parts: 5, appearances: 8, solver: "fast", seed: 1, onProgress: (p) => events.push({ fraction: p.fraction, message: p.message ?? "" }) }, sessions);
  for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
  const coarse = events.filter((e) => e.message.startsWith("16×16 first: "));
  expect(coarse.length).toBeGreaterThan(3);
  expect(Math.max(...coarse.map((e) => e.fraction))).toBeLessThanOrEqual(1 / 3);
  expect(new Set(coarse.map((e) => e.fraction)).size).toBeGreaterThan(3);
  await sessions.close();
});
