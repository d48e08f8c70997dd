/**
 * Sample once: a factorisation draws its samples through the head one time and keeps them in
 * memory or, above the budget, in a temporary file that every later pass reads and that is removed
 * afterwards (also when the job is cancelled or fails).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { storeFeatures } from "../../companion-server/src/engine/feature-store";
import { fitFactorisation, FitProgress } from "../../companion-server/src/engine/panda/fit-factorisation";
import { CancelledError, FeatureSource } from "../../companion-server/src/engine/panda/types";
import { inMemoryFeatures, sampleFeatures } from "../../companion-server/src/engine/sampling";
import { loadBundle } from "../../companion-server/src/runtime/bundle-loader";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { Generator } from "../../companion-server/src/runtime/generator";
import { writeTinyBundle } from "../../companion-server/src/tiny-model/build-tiny-bundle";
import * as releaseMemory from "../../companion-server/src/util/release-memory";
import { tempDir } from "../helpers/server";
import { watchHeadRuns } from "../helpers/head-runs";

const shape = { channels: 3, height: 2, width: 2 };
const count = 7;
const values = Float32Array.from({ length: count * 12 }, (_, i) => Math.sin(i) * 10);

/** The values above as a source that is not in memory, counting how often it is read. */
function counted(): { source: FeatureSource; passes: () => number } {
  const inner = inMemoryFeatures(values, shape, count);
  let passes = 0;
  return {
    passes: () => passes,
    source: {
      shape,
      count,
      forEachBatch: (b, visit) => {
        passes++;
        return inner.forEachBatch(b, (d, n, o) => visit(Float32Array.from(d), n, o));
      },
    },
  };
}

async function readAll(source: FeatureSource, batch: number): Promise<{ data: number[]; batches: number[] }> {
  const data: number[] = [];
  const batches: number[] = [];
  await source.forEachBatch(batch, (d, n) => {
    data.push(...d);
    batches.push(n);
  });
  return { data, batches };
}

/** Records the size of every buffer handed back (and hands it back), until restored. */
function watchReleases(): { sizes: number[]; buffers: ArrayBufferLike[]; restore: () => void } {
  const release = releaseMemory.releaseNow;
  const sizes: number[] = [];
  const buffers: ArrayBufferLike[] = [];
  const spy = jest.spyOn(releaseMemory, "releaseNow").mockImplementation((buffer) => {
    sizes.push(buffer.byteLength);
    buffers.push(buffer);
    release(buffer);
  });
  return { sizes, buffers, restore: () => spy.mockRestore() };
}

const temp = tempDir("panda-store-");
afterAll(() => temp.remove());

test("within the budget the samples are read once into memory", async () => {
  const { source, passes } = counted();
  const stored = await storeFeatures(source, { memoryBudget: 1 << 20 });
  expect(stored.location).toBe("memory");
  for (let i = 0; i < 3; i++) expect((await readAll(stored, 3)).data).toEqual(Array.from(values));
  expect(passes()).toBe(1);
});

test("above the budget they go to a temporary file, read back in batches, removed by dispose", async () => {
  const { source, passes } = counted();
  const sampled: number[] = [];
  const stored = await storeFeatures(source, { memoryBudget: 100, tempDir: temp.dir, onSample: (done) => sampled.push(done) });
  expect(stored.location).toBe("disk");
  expect(sampled[sampled.length - 1]).toBe(count);
  expect(existsSync(stored.file!)).toBe(true);
  const back = await readAll(stored, 3);
  expect(back.batches).toEqual([3, 3, 1]);
  expect(back.data).toEqual(Array.from(values));
  expect((await readAll(stored, 100)).data).toEqual(Array.from(values));
  expect(passes()).toBe(1);
  await stored.dispose();
  await stored.dispose();
  expect(readdirSync(temp.dir)).toEqual([]);
  await expect(readAll(stored, 3)).rejects.toThrow(/disposed/);
});

test("a cancelled store leaves no file behind", async () => {
  const { source } = counted();
  const abort = new AbortController();
  const storing = storeFeatures(
    { ...source, forEachBatch: (_batch, visit) => source.forEachBatch(1, async (d, n, o) => { if (o === 2) abort.abort(); await visit(d, n, o); }) },
    { memoryBudget: 0, tempDir: temp.dir, signal: abort.signal },
  );
  await expect(storing).rejects.toBeInstanceOf(CancelledError);
  expect(readdirSync(temp.dir)).toEqual([]);
});

test("in memory, dispose hands the samples' memory back at once: what was read from them is emptied", async () => {
  const { source } = counted();
  const stored = await storeFeatures(source, { memoryBudget: 1 << 20 });
  const views: Float32Array[] = [];
  await stored.forEachBatch(count, (d) => void views.push(d));
  expect(views[0]).toHaveLength(count * 12);
  await stored.dispose();
  await stored.dispose();
  expect(views[0]).toHaveLength(0);
  expect(views[0].buffer.byteLength).toBe(0);
});

test("a store in memory cancelled while it samples hands back what it had allocated", async () => {
  const { source } = counted();
  const released = watchReleases();
  try {
    const abort = new AbortController();
    const storing = storeFeatures(
      { ...source, forEachBatch: (_batch, visit) => source.forEachBatch(1, async (d, n, o) => { if (o === 2) abort.abort(); await visit(d, n, o); }) },
      { memoryBudget: 1 << 20, signal: abort.signal },
    );
    await expect(storing).rejects.toBeInstanceOf(CancelledError);
    expect(released.sizes).toEqual([count * 12 * 4]);
    expect(released.buffers[0].byteLength).toBe(0); // detached: its memory is gone from this heap
  } finally {
    released.restore();
  }
});

describe("a whole fit", () => {
  const dir = tempDir();
  let generator: Generator;
  const sessions = new SessionFactory();
  beforeAll(async () => {
    await writeTinyBundle(join(dir.dir, "tiny-test"));
    generator = new Generator(loadBundle(join(dir.dir, "tiny-test")), sessions);
  });
  afterAll(async () => {
    await generator.release();
    dir.remove();
  });

  async function fit(samples: number, budget: number, events: FitProgress[], signal?: AbortSignal) {
    return fitFactorisation({
      id: "f",
      name: "f",
      model: generator.id,
      layer: "8x8",
      source: sampleFeatures(generator, "8x8", samples, 3, 16),
      solver: { parts: 3, appearances: 8, solver: "fast", seed: 3 },
      sessions,
      sampleImages: async () => [],
      imageSize: { width: 16, height: 16 },
      featureMemoryBudget: budget,
      tempDir: temp.dir,
      signal,
      onProgress: (p) => {
        events.push({ ...p, message: `${p.message}${p.phase === "solver" && readdirSync(temp.dir).length > 0 ? " [file]" : ""}` });
      },
    });
  }

  test("draws every sample through the head once, even with the samples on disk, and removes the file", async () => {
    const heads = watchHeadRuns(generator);
    const events: FitProgress[] = [];
    const { contents } = await fit(40, 0, events);
    // 40 samples, 16 latents per head run: 3 runs for the solver, the statistics and everything else,
    // on one head of the sampling's own, released when it ended
    heads.restore();
    expect(heads.seen).toMatchObject({ opened: 1, released: 1, runs: [16, 16, 8] });
    expect(readdirSync(temp.dir)).toEqual([]);
    expect(events.some((e) => e.phase === "solver" && e.message.endsWith("[file]"))).toBe(true);
    expect(contents.meta.saliency.samples).toBe(40);
    // the phases in order, with counts
    const phases = events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(["sampling", "solver", "statistics", "contact sheet"]);
    expect(events.filter((e) => e.phase === "sampling" && e.total === 40).map((e) => e.done)).toContain(40);
    expect(events.find((e) => e.phase === "solver" && e.done !== undefined)).toMatchObject({ total: 40, round: 1 });
    expect(events.find((e) => e.phase === "statistics")).toMatchObject({ total: 40 });
    const fractions = events.map((e) => e.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  test("stored samples handed over with disposeSource are gone before the contact sheet; without it they stay the caller's", async () => {
    const during: Record<string, boolean> = {};
    for (const disposeSource of [true, false]) {
      const stored = await storeFeatures(sampleFeatures(generator, "8x8", 12, 3), { memoryBudget: 0, tempDir: temp.dir });
      const events: FitProgress[] = [];
      try {
        const { contents } = await fitFactorisation({
          id: "f",
          name: "f",
          model: generator.id,
          layer: "8x8",
          source: stored,
          disposeSource,
          solver: { parts: 3, appearances: 8, solver: "fast", seed: 3 },
          sessions,
          sampleImages: async () => {
            during[String(disposeSource)] = existsSync(stored.file!);
            return [];
          },
          imageSize: { width: 16, height: 16 },
          onProgress: (p) => events.push(p),
        });
        expect(contents.meta.saliency.samples).toBe(12);
        // nothing is sampled: the fit's phases start with the solver (no "sampling" phase to time)
        expect(events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(["solver", "statistics", "contact sheet"]);
        expect(existsSync(stored.file!)).toBe(!disposeSource);
      } finally {
        await stored.dispose();
      }
    }
    expect(during).toEqual({ true: false, false: true });
    expect(readdirSync(temp.dir)).toEqual([]);
  });

  test("in memory gives the same factorisation as on disk", async () => {
    const onDisk = await fit(24, 0, []);
    const inMemory = await fit(24, 1 << 30, []);
    expect(Array.from(inMemory.contents.factors.parts)).toEqual(Array.from(onDisk.contents.factors.parts));
    expect(inMemory.contents.meta.saliency).toEqual(onDisk.contents.meta.saliency);
  });

  test("a fit cancelled once the solver runs removes its file", async () => {
    const abort = new AbortController();
    const events: FitProgress[] = [];
    const fitting = fit(24, 0, events, abort.signal);
    const cancelOnSolver = setInterval(() => {
      if (events.some((e) => e.phase === "solver")) abort.abort();
    }, 1);
    await expect(fitting).rejects.toBeInstanceOf(CancelledError);
    clearInterval(cancelOnSolver);
    expect(readdirSync(temp.dir)).toEqual([]);
  });

  test("a fit in memory cancelled once the solver runs hands its samples' memory back", async () => {
    const released = watchReleases();
    try {
      const abort = new AbortController();
      const events: FitProgress[] = [];
      const fitting = fit(24, 1 << 30, events, abort.signal);
      const cancelOnSolver = setInterval(() => {
        if (events.some((e) => e.phase === "solver")) abort.abort();
      }, 1);
      await expect(fitting).rejects.toBeInstanceOf(CancelledError);
      clearInterval(cancelOnSolver);
      // the store: 24 samples of 8×8×8 float32 values, now detached
      const store = released.sizes.indexOf(24 * 8 * 8 * 8 * 4);
      expect(store).toBeGreaterThanOrEqual(0);
      expect(released.buffers[store].byteLength).toBe(0);
    } finally {
      released.restore();
    }
  });
});
