/**
 * The engine's entry points for a factorisation: validate the options, run the chosen solver on
 * the ONNX Runtime backend (the session factory's device), and evaluate the objective of factors.
 */
import { SessionFactory } from "../../runtime/execution-providers";
import { ortBackendFor } from "../tensor/ort-backend";
import { matrix } from "../tensor/matrix";
import { fastSolve } from "./fast-solver";
import { validateSolverOptions } from "./options";
import { objectivePass, passBatchSize } from "./passes";
import { throwIfCancelled } from "./cancellation";
import { materialize } from "../sampling";
import { referenceSolve } from "./reference-solver";
import { Factors, FeatureSource, SolverOptions, SolverResult } from "./types";

export const DEFAULT_FEATURE_MEMORY_BUDGET = 1 << 30;

export async function decompose(source: FeatureSource, options: SolverOptions, sessions: SessionFactory): Promise<SolverResult> {
  validateSolverOptions(options, source.shape, source.count);
  const backend = ortBackendFor(sessions);
  const features = await inMemoryIfItFits(source, options);
  return options.solver === "fast" ? fastSolve(features, options, backend) : referenceSolve(features, options, backend);
}

/** Both solvers read the samples many times: read a streamed source once when it fits the budget. */
async function inMemoryIfItFits(source: FeatureSource, options: SolverOptions): Promise<FeatureSource> {
  const { channels, height, width } = source.shape;
  const bytes = source.count * channels * height * width * 4;
  if (source.inMemory || bytes > (options.featureMemoryBudget ?? DEFAULT_FEATURE_MEMORY_BUDGET)) return source;
  return materialize(source, passBatchSize(source.shape), (done) => {
    throwIfCancelled(options.signal);
    options.onProgress?.({ fraction: 0, iteration: 0, message: `sampling features ${done}/${source.count}` });
  });
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
