/**
 * Shared fixtures of the product tests: factors planted on the tiny model's 4×4 layer (four
 * quadrant parts, A = identity), their statistics from real samples, and a saved folder of them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Factors, FeatureShape } from "../../../companion-server/src/engine/panda/types";
import { collectStatistics } from "../../../companion-server/src/engine/panda/statistics";
import { inMemoryFeatures } from "../../../companion-server/src/engine/sampling";
import { Generator } from "../../../companion-server/src/runtime/generator";
import { sampleLatents } from "../../../companion-server/src/runtime/random";
import { FACTORISATION_FORMAT, FactorisationMeta } from "../../../companion-server/src/store/factorisation-meta";
import { writeFactorisationFolder } from "../../../companion-server/src/store/factorisation-folder";
import { FactorisationModel } from "../../../companion-server/src/engine/panda/image-parts";
import { appearanceScales } from "../../../companion-server/src/api/strength";

export const TINY_LAYER = "4x4";
export const TINY_SHAPE: FeatureShape = { channels: 16, height: 4, width: 4 };

/** Parts = the four quadrants (k = 2·row + column), A = the identity (R_C = C). */
export function quadrantFactors(shape: FeatureShape = TINY_SHAPE): Factors {
  const { channels, height, width } = shape;
  const parts = new Float32Array(height * width * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = 2 * Number(y >= height / 2) + Number(x >= width / 2);
      parts[(y * width + x) * 4 + k] = 1;
    }
  }
  const appearances = new Float32Array(channels * channels);
  for (let c = 0; c < channels; c++) appearances[c * channels + c] = 1;
  return { shape, partsRank: 4, appearancesRank: channels, parts, appearances };
}

/** N samples' features at a layer (seeded), as the solvers would see them. */
export async function tinyFeatures(generator: Generator, layer: string, count: number, seed = 1): Promise<Float32Array> {
  const m = generator.manifest;
  const batch = await generator.head(layer, sampleLatents(m.latent.distribution, m.latent.size, seed, count), count, 1);
  return batch.features;
}

export async function plantedModel(generator: Generator, factors: Factors = quadrantFactors(), samples = 64): Promise<FactorisationModel> {
  const features = await tinyFeatures(generator, TINY_LAYER, samples);
  const stats = await collectStatistics(inMemoryFeatures(features, factors.shape, samples), factors);
  return { factors, saliency: stats.saliency, background: stats.background };
}

export function plantedMeta(id: string, model: FactorisationModel, overrides: Partial<FactorisationMeta> = {}): FactorisationMeta {
  const f = model.factors;
  return {
    format: FACTORISATION_FORMAT,
    id,
    name: id,
    model: "tiny-test",
    layer: TINY_LAYER,
    shape: f.shape,
    ranks: { parts: f.partsRank, appearances: f.appearancesRank },
    solver: "fast",
    seed: 0,
    samples: model.saliency.samples,
    iterations: 0,
    objective: 0,
    relativeObjective: 0,
    timings: { solverSeconds: 0, totalSeconds: 0 },
    saliency: model.saliency,
    background: model.background,
    strengthScales: appearanceScales(model.saliency),
    createdAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** Writes a planted factorisation where the store of `dataDir` finds it; returns its folder. */
export async function savePlanted(dataDir: string, id: string, model: FactorisationModel, overrides: Partial<FactorisationMeta> = {}): Promise<string> {
  const meta = plantedMeta(id, model, overrides);
  const dir = join(dataDir, "factorisations", String(meta.model), id);
  await writeFactorisationFolder(dir, { meta, factors: model.factors });
  return dir;
}

/** LowRankGAN's ROIR: mean |change| outside the region over mean |change| inside (RGB, 0…255). */
export function roir(before: Uint8Array, after: Uint8Array, inside: Float32Array): number {
  let inSum = 0;
  let inCount = 0;
  let outSum = 0;
  let outCount = 0;
  for (let p = 0; p < inside.length; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(after[p * 4 + c] - before[p * 4 + c]);
    if (inside[p] >= 0.5) {
      inSum += d;
      inCount++;
    } else {
      outSum += d;
      outCount++;
    }
  }
  return outSum / outCount / (inSum / inCount);
}

export function tempDir(prefix = "panda-product-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
