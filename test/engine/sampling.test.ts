/** Feature sources: in-memory views, and latents streamed through a generator's head. */
import { join } from "node:path";
import { headBatchFor, inMemoryFeatures, sampleFeatures } from "../../companion-server/src/engine/sampling";
import { loadBundle } from "../../companion-server/src/runtime/bundle-loader";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { Generator } from "../../companion-server/src/runtime/generator";
import { LatentStream, sampleLatents } from "../../companion-server/src/runtime/random";
import { writeTinyBundle } from "../../companion-server/src/tiny-model/build-tiny-bundle";
import { tempDir } from "../helpers/server";
import { watchHeadRuns } from "../helpers/head-runs";

async function collect(source: { forEachBatch: (b: number, v: (d: Float32Array, n: number, o: number) => void) => Promise<void> }, batch: number) {
  const parts: Array<[number, number, Float32Array]> = [];
  await source.forEachBatch(batch, (data, n, offset) => {
    parts.push([n, offset, Float32Array.from(data)]);
  });
  return parts;
}

test("inMemoryFeatures visits consecutive batches, the last one short", async () => {
  const data = Float32Array.from({ length: 5 * 2 }, (_, i) => i);
  const parts = await collect(inMemoryFeatures(data, { channels: 2, height: 1, width: 1 }, 5), 2);
  expect(parts.map(([n, o]) => [n, o])).toEqual([[2, 0], [2, 2], [1, 4]]);
  expect(Array.from(parts[2][2])).toEqual([8, 9]);
  expect(() => inMemoryFeatures(data, { channels: 2, height: 1, width: 1 }, 4)).toThrow(/4 feature maps of 2×1×1 need 8 values, got 10/);
});

describe("sampleFeatures", () => {
  const dir = tempDir();
  let generator: Generator;
  beforeAll(async () => {
    await writeTinyBundle(join(dir.dir, "tiny-test"));
    generator = new Generator(loadBundle(join(dir.dir, "tiny-test")), new SessionFactory());
  });
  afterAll(async () => {
    await generator.release();
    dir.remove();
  });

  test("gives the layer's shape and the same samples whatever the batch sizes", async () => {
    const a = sampleFeatures(generator, "8x8", 5, 9, 2);
    const b = sampleFeatures(generator, "8x8", 5, 9, 16);
    expect(a.shape).toEqual({ channels: 8, height: 8, width: 8 });
    const whole = (await collect(a, 5))[0][2];
    const pieces = (await collect(b, 3)).map(([, , d]) => Array.from(d)).flat();
    expect(pieces).toHaveLength(5 * 8 * 64);
    pieces.forEach((v, i) => expect(v).toBeCloseTo(whole[i], 5));
  });

  test("sample i is the head of latent i of the seed, at truncation 1", async () => {
    const latents = sampleLatents(generator.manifest.latent.distribution, generator.manifest.latent.size, 4, 3);
    const direct = await generator.head("4x4", latents, 3, 1);
    const streamed = (await collect(sampleFeatures(generator, "4x4", 3, 4), 3))[0][2];
    Array.from(streamed).forEach((v, i) => expect(v).toBeCloseTo(direct.features[i], 5));
  });

  test("a pass hands out every batch in one buffer, and the head's answers are freed as they are copied", async () => {
    const buffers = new Set<ArrayBufferLike>();
    const batches: number[][] = [];
    await sampleFeatures(generator, "8x8", 5, 9, 2).forEachBatch(2, (data) => {
      buffers.add(data.buffer);
      batches.push(Array.from(data));
    });
    expect(buffers.size).toBe(1);
    expect(batches.map((b) => b.length)).toEqual([2 * 512, 2 * 512, 512]);
    const whole = (await collect(sampleFeatures(generator, "8x8", 5, 9, 5), 5))[0][2];
    batches.flat().forEach((v, i) => expect(v).toBeCloseTo(whole[i], 5));
    const heads = watchHeadRuns(generator);
    await sampleFeatures(generator, "8x8", 3, 9, 3).forEachBatch(3, () => {});
    heads.restore();
    expect(heads.seen).toMatchObject({ opened: 1, released: 1, runs: [3] });
    expect(heads.seen.answers[0].features.byteLength).toBe(0); // detached: released, not left for the next collection
  });

  test("runs the head on about 2 MB of features at a time: 16 small samples, one 32×32×512 sample", () => {
    expect(headBatchFor({ channels: 8, height: 8, width: 8 })).toBe(16);
    expect(headBatchFor({ channels: 512, height: 16, width: 16 })).toBe(4);
    expect(headBatchFor({ channels: 512, height: 32, width: 32 })).toBe(1);
    expect(headBatchFor({ channels: 512, height: 64, width: 64 })).toBe(1);
    expect(headBatchFor({ channels: 512, height: 128, width: 128 })).toBe(1);
  });

  test("an unknown layer is named in the error", () => {
    expect(() => sampleFeatures(generator, "nope", 1, 0)).toThrow(/no layer "nope"/);
  });
});

test.each([
  ["normal", 16, [3, 5, 1, 7, 16]],
  ["normal", 7, [1, 2, 3, 4, 5, 6]],
  ["uniform", 5, [2, 9, 4]],
] as const)("LatentStream(%s) gives exactly sampleLatents' values in pieces of any size (latent size %i)", (distribution, size, pieces) => {
  const total = pieces.reduce((a, b) => a + b, 0);
  const whole = sampleLatents(distribution, size, 42, Math.ceil(total / size));
  const stream = new LatentStream(distribution, 42);
  const streamed = pieces.flatMap((n) => Array.from(stream.next(n)));
  expect(streamed).toEqual(Array.from(whole.subarray(0, total)));
});

test("a pass draws latents chunk by chunk as the head needs them, never all of them up front", async () => {
  const dir = tempDir();
  await writeTinyBundle(join(dir.dir, "tiny-test"));
  const generator = new Generator(loadBundle(join(dir.dir, "tiny-test")), new SessionFactory());
  const drawn = jest.spyOn(LatentStream.prototype, "next");
  try {
    // 100,000 latents drawn up front were one synchronous loop of ~0.4 s at real latent sizes.
    const source = sampleFeatures(generator, "4x4", 100000, 1, 16);
    expect(drawn).not.toHaveBeenCalled();
    let seen = 0;
    const stop = new Error("enough");
    await expect(
      source.forEachBatch(64, (_data, n) => {
        seen += n;
        if (seen >= 128) throw stop;
      }),
    ).rejects.toBe(stop);
    const size = generator.manifest.latent.size;
    expect(drawn.mock.calls.map(([n]) => n)).toEqual(new Array(8).fill(16 * size));
  } finally {
    drawn.mockRestore();
    await generator.release();
    dir.remove();
  }
});
