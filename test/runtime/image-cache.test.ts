/** The image cache is bounded by bytes (images, latents and feature maps), least recently used out first. */
import { ImageCache } from "../../companion-server/src/runtime/image-cache";

/** An entry of 1000 bytes: a 15×15 RGBA image (900 bytes) and a 25-value latent (100 bytes). */
const entry = (seed: number) => ({ model: "m", seed, latent: new Float32Array(25), truncation: 1, image: { width: 15, height: 15, rgba: new Uint8Array(900) } });
const features = (layer: string, values: number) => ({ layer, count: 1, features: new Float32Array(values), auxiliary: { w: new Float32Array(10) } });

it("counts bytes and drops the least recently used entries over the bound", () => {
  const cache = new ImageCache(3000);
  const [a, b, c] = [cache.add(entry(1)), cache.add(entry(2)), cache.add(entry(3))];
  expect([cache.size, cache.bytes]).toEqual([3, 3000]);
  cache.get(a.id); // a is now the most recently used; b the least
  const d = cache.add(entry(4));
  expect(cache.get(b.id)).toBeUndefined();
  expect([a, c, d].every((e) => cache.get(e.id) === e)).toBe(true);
  expect(cache.bytes).toBe(3000);
});

it("counts feature maps added later, with their auxiliary tensors", () => {
  const cache = new ImageCache(3000);
  const a = cache.add(entry(1), features("8x8", 100)); // 1000 + 400 + 40
  const b = cache.add(entry(2));
  expect(cache.bytes).toBe(2440);
  cache.addFeatures(b, features("8x8", 250)); // + 1040: over the bound, a goes
  expect(cache.get(a.id)).toBeUndefined();
  expect([cache.size, cache.bytes]).toEqual([1, 2040]);
  cache.addFeatures(b, features("8x8", 50)); // replaces the layer's maps
  expect(cache.bytes).toBe(1240);
});

it("keeps the newest entry even when it alone is over the bound", () => {
  const cache = new ImageCache(500);
  cache.add(entry(1));
  const big = cache.add(entry(2), features("64x64", 1000));
  expect(cache.size).toBe(1);
  expect(cache.get(big.id)).toBe(big);
});
