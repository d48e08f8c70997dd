/** decompose() option validation, objective() on given factors, and per-image refinement. */
import { decompose, objective } from "../../../companion-server/src/engine/panda/decompose";
import { refineParts } from "../../../companion-server/src/engine/panda/refine";
import { clusterParts, clusterRefinedParts } from "../../../companion-server/src/engine/panda/cluster-parts";
import { collectStatistics, partDirections } from "../../../companion-server/src/engine/panda/statistics";
import { coordinates } from "../../../companion-server/src/engine/panda/saliency";
import { matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { SolverOptions } from "../../../companion-server/src/engine/panda/types";
import { inMemoryFeatures } from "../../../companion-server/src/engine/sampling";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { plantedFeatures } from "../planted";

const sessions = new SessionFactory();
const planted = plantedFeatures({ channels: 8, height: 8, width: 8, count: 6, blobs: [{ y: 2, x: 2, radius: 1.5 }, { y: 5.5, x: 5.5, radius: 1.5 }] });
const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
const valid: SolverOptions = { parts: 2, appearances: 8, solver: "fast", seed: 1 };

function expectCloseArrays(actual: Float32Array, expected: Float32Array, digits = 4): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

describe("bad options say what to fix", () => {
  test.each<[Partial<SolverOptions>, RegExp]>([
    [{ parts: 0 }, /parts \(R_S\) must be a whole number ≥ 1, got 0/],
    [{ parts: 2.5 }, /parts \(R_S\) must be a whole number ≥ 1, got 2.5/],
    [{ appearances: 0 }, /appearances \(R_C\) must be a whole number ≥ 1/],
    [{ appearances: 9 }, /appearances \(R_C\) must be ≤ the layer's 8 channels, got 9: use at most 8/],
    [{ parts: 65 }, /parts \(R_S\) must be ≤ the layer's 8×8 = 64 positions, got 65: use at most 64/],
    [{ solver: "sgd" as never }, /solver must be "fast" or "reference", got "sgd"/],
    [{ seed: -1 }, /seed must be a whole number from 0 to 4294967295, got -1/],
    [{ iterations: 0 }, /iterations must be a whole number ≥ 1, got 0/],
    [{ batchSize: 7 }, /batchSize must be ≤ the 6 samples, got 7/],
    [{ learningRate: -1 }, /learningRate must be a positive number, got -1/],
    [{ tolerance: 2 }, /tolerance must be a number in \[0, 1\), got 2/],
  ])("%j", async (bad, message) => {
    await expect(decompose(source, { ...valid, ...bad }, sessions)).rejects.toThrow(message);
  });
});

test("objective() checks that factors fit the samples", async () => {
  const { factors } = await decompose(source, valid, sessions);
  const other = inMemoryFeatures(new Float32Array(4 * 4 * 8), { channels: 8, height: 4, width: 4 }, 1);
  await expect(objective(other, factors, sessions)).rejects.toThrow(/factors are for 8×8×8 features, the samples are 8×4×4/);
});

describe("refineParts", () => {
  const size = 8 * 64;
  const image = planted.data.subarray(0, size);
  const single = inMemoryFeatures(image, planted.shape, 1);

  test("lowers this image's objective from the global P, keeps P ≥ 0, and leaves the factors alone", async () => {
    const { factors } = await decompose(source, valid, sessions);
    const before = Float32Array.from(factors.parts);
    const refined = await refineParts(image, factors, { method: "fit" }, sessions);
    expect(refined).toHaveLength(64 * 2);
    expect(refined.every((v) => v >= 0)).toBe(true);
    expect(Array.from(factors.parts)).toEqual(Array.from(before));
    const globalFit = await objective(single, factors, sessions);
    const refinedFit = await objective(single, { ...factors, parts: refined }, sessions);
    expect(refinedFit.objective).toBeLessThan(globalFit.objective);
  });

  test("cluster (the default): parts follow this image's appearances where they differ from the global layout", () => {
    // 8 positions in a row; globally part 0 is positions 0–3, part 1 positions 4–7. In this image the
    // appearance of part 0 (direction e1) reaches to position 5: the refined part 0 follows it.
    const s = 8;
    const coords = matrix(2, s, Float32Array.from([...[1, 1, 1, 1, 1, 1, 0, 0], ...[0, 0, 0, 0, 0, 0, 1, 1]]));
    const global = matrix(s, 2, Float32Array.from({ length: 16 }, (_, i) => ((Math.floor(i / 2) < 4) === (i % 2 === 0) ? 1 : 0)));
    const refined = clusterParts(coords, global, 10);
    const winner = Array.from({ length: s }, (_, j) => (refined[j * 2] > refined[j * 2 + 1] ? 0 : 1));
    expect(winner).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    for (let j = 0; j < s; j++) expect(refined[j * 2] + refined[j * 2 + 1]).toBeCloseTo(1, 5);
    // where the image agrees with the global layout nothing moves; with no rounds the prior decides
    const prior = clusterParts(coords, global, 0);
    expect(Array.from({ length: s }, (_, j) => (prior[j * 2] > prior[j * 2 + 1] ? 0 : 1))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  test("cluster with the parts' directions: each position joins the part whose direction it has, in one assignment", () => {
    // globally part 0 is positions 0–3, part 1 positions 4–7; part 0's direction is e1, part 1's e2.
    // In this image part 1's appearance (e2) sits at positions 0–1 and part 0's (e1) everywhere else:
    // the fixed directions move both parts there, against the prior.
    const s = 8;
    const coords = matrix(2, s, Float32Array.from([...[0, 0, 1, 1, 1, 1, 1, 1], ...[1, 1, 0, 0, 0, 0, 0, 0]]));
    const global = matrix(s, 2, Float32Array.from({ length: 16 }, (_, i) => ((Math.floor(i / 2) < 4) === (i % 2 === 0) ? 1 : 0)));
    const centres = matrix(2, 2, Float32Array.from([1, 0, 0, 1]));
    const refined = clusterParts(coords, global, 10, centres);
    expect(Array.from({ length: s }, (_, j) => (refined[j * 2] > refined[j * 2 + 1] ? 0 : 1))).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    // the values: softmax of cos/T (T = 0.1) plus the log prior (global normalised, mixed half with uniform)
    const [strong, weak] = [Math.log(0.5 * 1 + 0.25), Math.log(0.25)];
    const expected0 = (cos0: number, cos1: number, prior0: number, prior1: number) => 1 / (1 + Math.exp(cos1 / 0.1 + prior1 - cos0 / 0.1 - prior0));
    expect(refined[0]).toBeCloseTo(expected0(0, 1, strong, weak), 5);
    expect(refined[2 * 5]).toBeCloseTo(expected0(1, 0, weak, strong), 5);
    for (let j = 0; j < s; j++) expect(refined[j * 2] + refined[j * 2 + 1]).toBeCloseTo(1, 5);
    // one assignment: more rounds change nothing; zero rounds leave the prior
    expect(Array.from(clusterParts(coords, global, 1, centres))).toEqual(Array.from(refined));
    expect(Array.from(clusterParts(coords, global, 0, centres))).toEqual(Array.from(clusterParts(coords, global, 0)));
    expect(() => clusterParts(coords, global, 1, matrix(2, 3))).toThrow(/directions must be 2×2, got 2×3/);
  });

  test("refineParts clusters by the factors' part directions when they have them, as clusterRefinedParts (the in-browser engine) does", async () => {
    const { factors } = await decompose(source, valid, sessions);
    const partCentres = (await collectStatistics(source, factors)).partCentres;
    expect(partCentres).toHaveLength(8 * 2);
    const withCentres = { ...factors, partCentres };
    const refined = await refineParts(image, withCentres, {}, sessions);
    expectCloseArrays(refined, clusterRefinedParts(coordinates(withCentres, image), withCentres));
    expectCloseArrays(refined, clusterParts(matrix(8, 64, coordinates(withCentres, image)), matrix(64, 2, factors.parts), 1, matrix(8, 2, partCentres)));
  });

  test("refineParts defaults to cluster: soft assignments in [0, 1], one per position", async () => {
    const { factors } = await decompose(source, valid, sessions);
    const refined = await refineParts(image, factors, {}, sessions);
    expect(refined).toHaveLength(64 * 2);
    for (let j = 0; j < 64; j++) expect(refined[j * 2] + refined[j * 2 + 1]).toBeCloseTo(1, 5);
  });

  test("the demo's steps never raise this image's objective either, and both keep P ≥ 0", async () => {
    const { factors } = await decompose(source, valid, sessions);
    const fitOf = async (parts: Float32Array) => (await objective(single, { ...factors, parts }, sessions)).objective;
    const steps = await refineParts(image, factors, { method: "steps" }, sessions);
    const fit = await refineParts(image, factors, { method: "fit" }, sessions);
    expect(steps.every((v) => v >= 0) && fit.every((v) => v >= 0)).toBe(true);
    const globalFit = await fitOf(factors.parts);
    expect(await fitOf(steps)).toBeLessThanOrEqual(globalFit);
    expect(await fitOf(fit)).toBeLessThan(globalFit);
  });

  test("the default step stays stable when the layer's features are 1000× larger", async () => {
    const big = plantedFeatures({ channels: 8, height: 8, width: 8, count: 6, blobs: [{ y: 2, x: 2, radius: 1.5 }, { y: 5.5, x: 5.5, radius: 1.5 }], scale: 1000 });
    const bigSource = inMemoryFeatures(big.data, big.shape, big.count);
    const { factors } = await decompose(bigSource, valid, sessions);
    const refined = await refineParts(big.data.subarray(0, size), factors, { method: "steps", iterations: 50 }, sessions);
    const one = inMemoryFeatures(big.data.subarray(0, size), big.shape, 1);
    expect(refined.every(Number.isFinite)).toBe(true);
    expect((await objective(one, { ...factors, parts: refined }, sessions)).objective).toBeLessThanOrEqual((await objective(one, factors, sessions)).objective);
  });

  test("zero iterations returns the global P; a wrong-sized image is rejected", async () => {
    const { factors } = await decompose(source, valid, sessions);
    expect(Array.from(await refineParts(image, factors, { iterations: 0 }, sessions))).toEqual(Array.from(factors.parts));
    expect(Array.from(await refineParts(image, factors, { iterations: 0, method: "steps" }, sessions))).toEqual(Array.from(factors.parts));
    await expect(refineParts(image.subarray(1), factors, {}, sessions)).rejects.toThrow(/has 512 values, got 511/);
  });
});

test("partDirections: each part's weighted sum of the unit coordinate vectors, at unit length (a part that saw none stays zero)", () => {
  // 2 coordinates × 3 parts (row = coordinate): part 0 summed (2, 1), part 1 (0, 3), part 2 nothing
  const partSums = Float64Array.from([...[2, 0, 0], ...[1, 3, 0]]);
  const d = partDirections(partSums, 2, 3);
  expectCloseArrays(d, Float32Array.from([...[2 / Math.hypot(2, 1), 0, 0], ...[1 / Math.hypot(2, 1), 1, 0]]), 6);
});

describe("streamed sources", () => {
  /** The planted samples behind a source that is not in memory, counting its passes. */
  function streamed() {
    const inner = inMemoryFeatures(planted.data, planted.shape, planted.count);
    const counter = { passes: 0 };
    const source = {
      shape: inner.shape,
      count: inner.count,
      forEachBatch: (b: number, visit: (d: Float32Array, n: number, o: number) => Promise<void> | void) => {
        counter.passes++;
        return inner.forEachBatch(b, (d, n, o) => visit(Float32Array.from(d), n, o));
      },
    };
    return { source, counter };
  }

  test("are read once when they fit the memory budget, and give the same result", async () => {
    const expected = await decompose(source, valid, sessions);
    const once = streamed();
    const result = await decompose(once.source, valid, sessions);
    expect(once.counter.passes).toBe(1);
    expect(Array.from(result.factors.parts)).toEqual(Array.from(expected.factors.parts));
  });

  test("are read once into a temporary file with a zero budget, and give the same result", async () => {
    const expected = await decompose(source, valid, sessions);
    const once = streamed();
    const result = await decompose(once.source, { ...valid, featureMemoryBudget: 0 }, sessions);
    expect(once.counter.passes).toBe(1);
    expect(Array.from(result.factors.parts)).toEqual(Array.from(expected.factors.parts));
  });
});
