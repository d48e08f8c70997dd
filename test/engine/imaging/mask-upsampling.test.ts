/** Maps at image size three ways, feathering and thresholds; the imaging code has no Node imports. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultRadius, feather, MapUpsampler, threshold } from "../../../companion-server/src/engine/imaging/mask-upsampling";

const IMAGING = join(__dirname, "..", "..", "..", "companion-server", "src", "engine", "imaging");

function edgeImage(size: number, edge: number) {
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) rgba.set(i % size < edge ? [30, 30, 30, 255] : [230, 230, 230, 255], i * 4);
  return { width: size, height: size, rgba };
}

/** 8×8, 1 in the left half: its transition is at x = 32 of a 64-px image */
const halfMap = { width: 8, height: 8, data: Float32Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 1 : 0)) };

it("block, bilinear and edge-aware give image-size maps; only edge-aware follows the picture", () => {
  const up = new MapUpsampler(edgeImage(64, 34));
  const row = (m: { data: Float32Array }) => Array.from(m.data.subarray(32 * 64, 33 * 64));
  const block = row(up.upsample(halfMap, "block"));
  expect(block.findIndex((v) => v === 0)).toBe(32);
  const bilinear = row(up.upsample(halfMap, "bilinear"));
  expect(bilinear.findIndex((v) => v < 0.5)).toBe(32);
  const edgeAware = row(up.upsample(halfMap, "edge-aware"));
  expect(edgeAware.findIndex((v) => v < 0.5)).toBe(34);
  // a heat map keeps its shape: only a narrow filter, so its transition moves towards the edge, not onto it
  const heat = row(up.upsample(halfMap, "edge-aware", "heat"));
  const heatCrossing = heat.findIndex((v) => v < 0.5);
  expect(heatCrossing).toBeGreaterThanOrEqual(32);
  expect(heatCrossing).toBeLessThanOrEqual(34);
});

it("scales the default radius with the feature cell, a mask's at most 1/16 of the image", () => {
  expect(defaultRadius({ width: 16, height: 16 }, { width: 256, height: 256 })).toBe(16);
  expect(defaultRadius({ width: 8, height: 8 }, { width: 256, height: 256 })).toBe(16); // a cell is 32 px: capped
  expect(defaultRadius({ width: 8, height: 8 }, { width: 256, height: 256 }, 0.5, 1)).toBe(16);
  expect(defaultRadius({ width: 8, height: 8 }, { width: 256, height: 256 }, 1, 1)).toBe(32);
  expect(defaultRadius({ width: 32, height: 32 }, { width: 64, height: 64 })).toBe(2);
});

it("feathers a hard edge over about the asked width (10–90 %) and thresholds back", () => {
  const hard = { width: 40, height: 1, data: Float32Array.from({ length: 40 }, (_, x) => (x < 20 ? 1 : 0)) };
  const soft = feather(hard, 9).data;
  const between = Array.from(soft).filter((v) => v > 0.1 && v < 0.9).length;
  expect(between).toBeGreaterThanOrEqual(6);
  expect(between).toBeLessThanOrEqual(14);
  expect(Math.abs(soft[19] - 0.5)).toBeLessThan(0.1);
  expect(Array.from(feather(hard, 0).data)).toEqual(Array.from(hard.data));
  expect(Array.from(threshold(feather(hard, 9), 0.5).data)).toEqual(Array.from(hard.data));
});

it("imports nothing from Node or outside engine/imaging, so browsers can run it", () => {
  for (const file of readdirSync(IMAGING).filter((f) => f.endsWith(".ts"))) {
    const imports = [...readFileSync(join(IMAGING, file), "utf8").matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
    for (const spec of imports) expect(`${file}: ${spec}`).toMatch(/: \.\/[a-z-]+$/);
  }
});

it("keeps a heat map's contrast: the narrow heat filter, unlike the wide mask one, does not flatten it", () => {
  const blob = { width: 8, height: 8, data: Float32Array.from({ length: 64 }, (_, i) => Math.exp(-(((i % 8) - 2.5) ** 2) / 3 - ((Math.floor(i / 8) - 3.5) ** 2) / 3)) };
  const up = new MapUpsampler(edgeImage(64, 40));
  const range = (d: Float32Array) => Math.max(...d) - Math.min(...d);
  const lanczos = range(up.upsample(blob, "bilinear", "heat").data);
  expect(range(up.upsample(blob, "edge-aware", "heat").data)).toBeGreaterThan(0.8 * lanczos);
  expect(range(up.upsample(blob, "edge-aware", "mask").data)).toBeLessThan(range(up.upsample(blob, "edge-aware", "heat").data));
});
