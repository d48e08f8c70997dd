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
 *
 * That step is safe but timid: 100 of them barely move P (eval:parts found refined parts almost
 * the global ones). `method: "fit"` (the default) solves the same per-image problem to convergence
 * instead — FISTA with backtracking on this image's M = ZᵀAAᵀZ and N = Zᵀ(AAᵀ)²Z (block-problem.ts),
 * started from the global P so each part keeps its meaning — and moves the boundaries to this
 * image's hair, face and background. `method: "steps"` is the published demo.
 */
import { SessionFactory } from "../../runtime/execution-providers";
import { ortBackendFor } from "../tensor/ort-backend";
import { Matrix, matrix } from "../tensor/matrix";
import { spectralNormSquared } from "../tenalg/spectral-norm";
import { partsStep } from "./gradients";
import { solveBlockProblem } from "./block-problem";
import { frobeniusSquared, multiply } from "../tensor/matrix";
import { Factors } from "./types";
import { clusterParts, CLUSTER_ITERATIONS, partCentresOf } from "./cluster-parts";

export type RefineMethod = "cluster" | "fit" | "steps";

const REFINE_STEP = partsStep(1);

export interface RefineOptions {
  /** cluster: re-assign positions by the parts' directions, or this image's part appearances (default); fit: solve this image's
   * P-problem; steps: the demo's fixed number of P-steps */
  method?: RefineMethod;
  /** P-steps, or the fit's iteration limit (default 100, as in the demo) */
  iterations?: number;
  /** a fixed step, as in the published demo; default: the scale-aware 1/L above */
  learningRate?: number;
}

export function stableRefineStep(projected: Matrix, appearances: Matrix, parts: Matrix): number {
  const curvature = spectralNormSquared(projected) * (4 + 12 * spectralNormSquared(appearances) * spectralNormSquared(parts));
  return curvature > 0 ? 1 / curvature : 0;
}

/** clusterParts, wherever it runs (the server runs it on an imaging thread, off its event loop). */
export type ClusterRunner = (coords: Matrix, globalParts: Matrix, iterations: number, centres?: Matrix) => Promise<Float32Array>;

export async function refineParts(
  features: Float32Array,
  factors: Factors,
  options: RefineOptions,
  sessions: SessionFactory,
  cluster: ClusterRunner = async (coords, globalParts, iterations, centres) => clusterParts(coords, globalParts, iterations, centres),
): Promise<Float32Array> {
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
  const method = options.method ?? "cluster";
  if (iterations === 0) return p.data; // every method: zero rounds leave the global parts
  if (method === "cluster") return cluster(await backend.matmul(a, z, { transposeA: true }), p, Math.min(iterations, CLUSTER_ITERATIONS), partCentresOf(factors));
  if (method === "fit") {
    const w = await backend.matmul(a, z, { transposeA: true }); // AᵀZ, R_C×S
    const m = await backend.matmul(w, w, { transposeA: true }); // ZᵀAAᵀZ
    const aw = await backend.matmul(multiply(a, a, true), w); // AᵀA·AᵀZ
    const n = await backend.matmul(w, aw, { transposeA: true }); // Zᵀ(AAᵀ)²Z
    const fit = await solveBlockProblem(backend, { m, n, nonnegative: true }, p, { offset: frobeniusSquared(z), maxIterations: iterations, tolerance: 1e-5 });
    return fit.solution.data;
  }
  const step = options.learningRate ?? stableRefineStep(await backend.matmul(a, z, { transposeA: true }), a, p);
  // ∇_P is quadratic in Z, so step·∇_P(Z) = ∇_P(√step·Z): the step rides in the features and one
  // compiled graph serves every image (a step baked into the graph compiled a session per image).
  const scaled = matrix(channels, positions, features.map((v) => v * Math.sqrt(step)));
  for (let i = 0; i < iterations; i++) ({ p } = await backend.run("refine-step", REFINE_STEP, { z: scaled, a, p }));
  return p.data;
}
