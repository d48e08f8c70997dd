/** Validation of solver options against the features' shape, with messages that say what to fix. */
import { FeatureShape, SolverOptions } from "./types";

function positiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a whole number ≥ 1, got ${value}`);
}

export function validateSolverOptions(options: SolverOptions, shape: FeatureShape, count: number): void {
  const positions = shape.height * shape.width;
  if (options.solver !== "fast" && options.solver !== "reference") throw new Error(`solver must be "fast" or "reference", got ${JSON.stringify(options.solver)}`);
  positiveInteger(options.parts, "parts (R_S)");
  positiveInteger(options.appearances, "appearances (R_C)");
  if (options.appearances > shape.channels) throw new Error(`appearances (R_C) must be ≤ the layer's ${shape.channels} channels, got ${options.appearances}: use at most ${shape.channels}`);
  if (options.parts > positions) throw new Error(`parts (R_S) must be ≤ the layer's ${shape.height}×${shape.width} = ${positions} positions, got ${options.parts}: use at most ${positions}`);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) throw new Error(`seed must be a whole number from 0 to 4294967295, got ${options.seed}`);
  if (options.iterations !== undefined) positiveInteger(options.iterations, "iterations");
  if (options.traceEvery !== undefined) positiveInteger(options.traceEvery, "traceEvery");
  if (options.batchSize !== undefined) {
    positiveInteger(options.batchSize, "batchSize");
    if (options.batchSize > count) throw new Error(`batchSize must be ≤ the ${count} samples, got ${options.batchSize}`);
  }
  if (options.learningRate !== undefined && !(Number.isFinite(options.learningRate) && options.learningRate > 0)) throw new Error(`learningRate must be a positive number, got ${options.learningRate}`);
  if (options.tolerance !== undefined && !(Number.isFinite(options.tolerance) && options.tolerance >= 0 && options.tolerance < 1)) throw new Error(`tolerance must be a number in [0, 1), got ${options.tolerance}`);
  if (options.featureMemoryBudget !== undefined && !(options.featureMemoryBudget >= 0)) throw new Error(`featureMemoryBudget must be a number of bytes ≥ 0, got ${options.featureMemoryBudget}`);
  if (count < 1) throw new Error("the feature source has no samples");
}
