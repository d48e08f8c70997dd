/** Feature sources: in-memory views, and latents streamed through a generator's head. */
import { join } from "node:path";
import { inMemoryFeatures, sampleFeatures } from "../../companion-server/src/engine/sampling";
import { loadBundle } from "../../companion-server/src/runtime/bundle-loader";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { Generator } from "../../companion-server/src/runtime/generator";
import { sampleLatents } from "../../companion-server/src/runtime/random";
import { writeTinyBundle } from "../../companion-server/src/tiny-model/build-tiny-bundle";
import { tempDir } from "../helpers/server";

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

  test("an unknown layer is named in the error", () => {
    expect(() => sampleFeatures(generator, "nope", 1, 0)).toThrow(/no layer "nope"/);
  });
});
