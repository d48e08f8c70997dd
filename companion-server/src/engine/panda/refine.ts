/**
 * Refinement of the parts for one image (DESIGN §4): the reference solver's P-step on this sample
 * alone, starting from the global P, with A fixed.
 *
 * Step size: the demo's lr 1e-5 was tuned to StyleGAN2's feature scale. The P-step's curvature
 * grows with the sample's energy in the appearance subspace, ‖AᵀZ‖², so a fixed step diverges on
 * layers with larger features and does nothing on smaller ones. By default the step is 1/L with
 * L = ‖AᵀZ‖₂²·(4 + 6‖A‖₂²·‖P‖₂²·2), a bound on the gradient's Lipschitz constant for P up to √2 times
 * its starting size: projected gradient with such a step never increases this sample's objective,
 * at any layer scale.
 */
import { SessionFactory } from "../../runtime/execution-providers";
import { ortBackendFor } from "../tensor/ort-backend";
import { Matrix, matrix } from "../tensor/matrix";
import { spectralNormSquared } from "../tenalg/spectral-norm";
import { partsStep } from "./gradients";
import { Factors } from "./types";

export interface RefineOptions {
  /** P-steps (default 100, as in the demo) */
  iterations?: number;
  /** a fixed step, as in the published demo; default: the scale-aware 1/L above */
  learningRate?: number;
}

export function stableRefineStep(projected: Matrix, appearances: Matrix, parts: Matrix): number {
  const curvature = spectralNormSquared(projected) * (4 + 12 * spectralNormSquared(appearances) * spectralNormSquared(parts));
  return curvature > 0 ? 1 / curvature : 0;
}

export async function refineParts(features: Float32Array, factors: Factors, options: RefineOptions, sessions: SessionFactory): Promise<Float32Array> {
  const { channels, height, width } = factors.shape;
  const positions = height * width;
  if (features.length !== channels * positions) throw new Error(`refineParts: one ${channels}×${height}×${width} feature map has ${channels * positions} values, got ${features.length}`);
  const iterations = options.iterations ?? 100;
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`iterations must be a whole number ≥ 0, got ${iterations}`);
  if (options.learningRate !== undefined && !(options.learningRate > 0)) throw new Error(`learningRate must be a positive number, got ${options.learningRate}`);
  const backend = ortBackendFor(sessions);
  const z = matrix(channels, positions, features);
  const a = matrix(channels, factors.appearancesRank, factors.appearances);
  let p = matrix(positions, factors.partsRank, Float32Array.from(factors.parts));
  const step = options.learningRate ?? stableRefineStep(await backend.matmul(a, z, { transposeA: true }), a, p);
  const program = partsStep(step);
  for (let i = 0; i < iterations; i++) ({ p } = await backend.run(`refine-step:${step}`, program, { z, a, p }));
  return p.data;
}
