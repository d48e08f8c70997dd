/**
 * Edits stay local: LowRankGAN's ROIR (mean |change| outside the part / inside) on the tiny model,
 * with planted quadrant parts and with parts decomposed by the fast solver at layer 8x8.
 */
import { join } from "node:path";
import { GeneratorRegistry } from "../../../companion-server/src/runtime/generator-registry";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { Generator } from "../../../companion-server/src/runtime/generator";
import { tensorToRgba } from "../../../companion-server/src/runtime/image-codec";
import { tailRenderer } from "../../../companion-server/src/runtime/tail-renderer";
import { sampleLatents } from "../../../companion-server/src/runtime/random";
import { sampleFeatures } from "../../../companion-server/src/engine/sampling";
import { decompose } from "../../../companion-server/src/engine/panda/decompose";
import { collectStatistics } from "../../../companion-server/src/engine/panda/statistics";
import { FactorisationModel, ImageParts } from "../../../companion-server/src/engine/panda/image-parts";
import { plantedModel, roir, TINY_LAYER } from "./fixtures";

const sessions = new SessionFactory();
let registry: GeneratorRegistry;
let generator: Generator;
beforeAll(() => {
  registry = new GeneratorRegistry([join(__dirname, "..", "..", "..", "models")], sessions);
  generator = registry.get("tiny-test")!;
});
afterAll(() => registry.close());

async function imageParts(model: FactorisationModel, layer: string, seed: number): Promise<ImageParts> {
  const m = generator.manifest;
  const batch = await generator.head(layer, sampleLatents(m.latent.distribution, m.latent.size, seed), 1, 1);
  const toImage = (data: Float32Array) => tensorToRgba(data, 0, m.image.channels, m.image.width, m.image.height, m.image.range);
  return new ImageParts(model, batch.features, toImage((await generator.tail(batch)).data), tailRenderer(generator, batch));
}

async function roirOf(ip: ImageParts, part: number, appearance: number, strength: number): Promise<number> {
  const edited = await ip.edit([{ parts: [part], appearance, strength }]);
  // The part as the factorisation defines it (bilinear): the tiny model's random image edges say nothing about it.
  return roir(ip.image.rgba, edited.image.rgba, ip.mask([part], "binary", { upsampling: "bilinear" }).data);
}

it("planted quadrant parts: every edit changes its quadrant far more than the rest", async () => {
  const model = await plantedModel(generator);
  for (const seed of [1, 2]) {
    const ip = await imageParts(model, TINY_LAYER, seed);
    for (let part = 0; part < 4; part++) for (const appearance of [0, 7]) expect(await roirOf(ip, part, appearance, 3)).toBeLessThan(0.5);
  }
});

it("decomposed parts (fast solver, layer 8x8): edits stay inside their part", async () => {
  const source = sampleFeatures(generator, "8x8", 128, 0);
  const { factors } = await decompose(source, { parts: 4, appearances: 8, solver: "fast", seed: 0 }, sessions);
  const stats = await collectStatistics(source, factors);
  const model = { factors, ...stats };
  const ratios: number[] = [];
  for (const seed of [1, 2]) {
    const ip = await imageParts(model, "8x8", seed);
    for (let part = 0; part < 4; part++) for (const appearance of [0, 1, 2]) ratios.push(await roirOf(ip, part, appearance, 2));
  }
  expect(Math.max(...ratios)).toBeLessThan(0.5);
  expect(ratios.reduce((a, b) => a + b) / ratios.length).toBeLessThan(0.35);
});
