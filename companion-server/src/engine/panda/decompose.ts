/**
 * The engine's entry points for a factorisation: validate the options, run the chosen solver on
 * the ONNX Runtime backend (the session factory's device), and evaluate the objective of factors.
 */
import { SessionFactory } from "../../runtime/execution-providers";
import { ortBackendFor } from "../tensor/ort-backend";
import { matrix } from "../tensor/matrix";
import { fastSolve } from "./fast-solver";
import { validateSolverOptions } from "./options";
import { objectivePass } from "./passes";
import { storeFeatures } from "../feature-store";
import { referenceSolve } from "./reference-solver";
import { Factors, FeatureSource, SolverOptions, SolverResult } from "./types";

/**
 * Both solvers read the samples many times: a streamed source is read once (into memory, or into
 * a temporary file above `featureMemoryBudget`) and released afterwards. Callers that need the
 * samples again after the solver (fitFactorisation) store them first and pass the stored source.
 */
export async function decompose(source: FeatureSource, options: SolverOptions, sessions: SessionFactory): Promise<SolverResult> {
  validateSolverOptions(options, source.shape, source.count);
  const backend = ortBackendFor(sessions);
  const features = await storeFeatures(source, {
    memoryBudget: options.featureMemoryBudget,
    signal: options.signal,
    onSample: (done, total) => options.onProgress?.({ fraction: 0, iteration: 0, phase: "sampling", done, total, message: `sampling ${done}/${total}` }),
  });
  try {
    return await (options.solver === "fast" ? fastSolve(features, options, backend) : referenceSolve(features, options, backend));
  } finally {
    if (features !== source) await features.dispose();
  }
}

export interface ObjectiveValue {
  /** mean over samples of ‖Z_i − AAᵀZ_iPPᵀ‖²_F */
  objective: number;
  /** objective / mean ‖Z_i‖²_F */
  relativeObjective: number;
}

/** The objective of any factors on any samples (e.g. held-out ones), in one streamed pass. */
export async function objective(source: FeatureSource, factors: Factors, sessions: SessionFactory, signal?: AbortSignal): Promise<ObjectiveValue> {
  const { channels, height, width } = source.shape;
  const f = factors.shape;
  if (f.channels !== channels || f.height !== height || f.width !== width) {
    throw new Error(`factors are for ${f.channels}×${f.height}×${f.width} features, the samples are ${channels}×${height}×${width}`);
  }
  const a = matrix(channels, factors.appearancesRank, factors.appearances);
  const p = matrix(height * width, factors.partsRank, factors.parts);
  const terms = await objectivePass(source, ortBackendFor(sessions), a, p, { signal });
  const total = terms.residual;
  return { objective: total / source.count, relativeObjective: total / terms.squaredNorm };
}
