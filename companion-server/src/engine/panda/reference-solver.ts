/**
 * The published algorithm (Oldfield et al., ICLR 2023, official `model.py`), kept faithful so that
 * the fast solver has an honest baseline: HOSVD initialisation of A, P ~ U(0, 0.01), then per
 * iteration one projected gradient step on P and one gradient step on A, each with the exact
 * gradient summed over a small batch of samples and a fixed learning rate.
 *
 * Sample order: the source is read in chunks (whole, when it is small enough to view in memory);
 * within a chunk, samples are visited in a seeded random order, chunks cycle until the iteration
 * budget is spent. Streamed sources therefore never need random access.
 */
import { createRng } from "../../runtime/random";
import { TensorBackend, sampleOf } from "../tensor/backend";
import { Matrix, matrix } from "../tensor/matrix";
import { topColumns } from "../tenalg/symmetric-eigen";
import { throwIfCancelled } from "./cancellation";
import { referenceStep, sampleInputs } from "./gradients";
import { channelScatterPass, objectivePass, trace } from "./passes";
import { FeatureSource, ObjectivePoint, SolverOptions, SolverResult } from "./types";

export const REFERENCE_DEFAULTS = { iterations: 10000, batchSize: 1 };

/**
 * The published learning rates (1e-6 … 1e-8) were tuned for StyleGAN2's feature scale; a fixed
 * number diverges or stalls on other layers. The gradients scale with ‖Z_i‖², so the default is
 * 0.1 / (batch · mean ‖Z_i‖²_F), which is stable (the curvature is at most ≈ 10‖Z_i‖² near PᵀP ≈ I).
 */
export function defaultReferenceLearningRate(meanSquaredNorm: number, batchSize: number): number {
  return 0.1 / (batchSize * Math.max(meanSquaredNorm, 1e-30));
}

/** Up to 64 MB of samples per chunk, a whole number of batches. */
function chunkSize(sampleBytes: number, batchSize: number, count: number): number {
  const fit = Math.max(batchSize, Math.floor((64 << 20) / sampleBytes));
  return Math.min(count, fit - (fit % batchSize));
}

function shuffled(n: number, rng: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export async function referenceSolve(source: FeatureSource, options: SolverOptions, backend: TensorBackend): Promise<SolverResult> {
  const started = performance.now();
  const { channels, height, width } = source.shape;
  const positions = height * width;
  const iterations = options.iterations ?? REFERENCE_DEFAULTS.iterations;
  const batchSize = options.batchSize ?? REFERENCE_DEFAULTS.batchSize;
  const rng = createRng(options.seed);

  // HOSVD: the top R_C eigenvectors of the channel scatter (its 1/N does not change them).
  const scatter = await channelScatterPass(source, backend, { signal: options.signal });
  let a: Matrix = matrix(channels, options.appearances, topColumns(await backend.symmetricEigen(scatter, channels), options.appearances));
  const meanSquaredNorm = trace(scatter, channels) / source.count;
  const lr = options.learningRate ?? defaultReferenceLearningRate(meanSquaredNorm, batchSize);
  let p: Matrix = matrix(positions, options.parts, Float32Array.from({ length: positions * options.parts }, () => 0.01 * rng()));

  // Both gradient steps of one iteration as one program: one session run per iteration on ORT.
  const step = referenceStep(batchSize, lr);
  const stepKey = `reference-step:${batchSize}:${lr}`;
  const chunk = chunkSize(channels * positions * 4, batchSize, source.count);
  const progressEvery = Math.max(1, Math.floor(iterations / 100));
  let done = 0;
  // The exact objective every `traceEvery` iterations: a pass over the samples, its time left out.
  const history: ObjectivePoint[] = [];
  let tracingSeconds = 0;
  const solverSeconds = () => (performance.now() - started) / 1000 - tracingSeconds;
  const traceNow = async () => {
    const at = solverSeconds();
    const t = performance.now();
    const terms = await objectivePass(source, backend, a, p, { signal: options.signal });
    history.push({ seconds: at, objective: terms.residual / source.count });
    tracingSeconds += (performance.now() - t) / 1000;
  };
  // Sources cannot be stopped mid-pass; throwing this (and catching it below) skips reading the
  // rest of the pass once the budget is spent, which matters when every chunk re-runs a generator.
  const spent = new Error("iteration budget spent");
  while (done < iterations) {
    await source.forEachBatch(chunk, async (data, count) => {
      if (done >= iterations) throw spent;
      const batch = { data, count, channels, positions };
      const order = shuffled(count, rng);
      for (let start = 0; start + batchSize <= count && done < iterations; start += batchSize) {
        throwIfCancelled(options.signal);
        const samples = order.slice(start, start + batchSize).map((i) => sampleOf(batch, i));
        ({ a, p } = await backend.run(stepKey, step, { a, p, ...sampleInputs(samples) }));
        done++;
        if (options.traceEvery && done % options.traceEvery === 0 && done < iterations) await traceNow();
        if (done % progressEvery === 0) options.onProgress?.({ fraction: done / iterations, iteration: done, phase: "solver", done, total: iterations, message: `iteration ${done}/${iterations}` });
      }
    }).catch((err) => {
      if (err !== spent) throw err;
    });
  }
  if (!a.data.every(Number.isFinite) || !p.data.every(Number.isFinite)) {
    throw new Error(`the reference solver diverged with learning rate ${lr}: use a smaller learningRate`);
  }

  const seconds = solverSeconds();
  const terms = await objectivePass(source, backend, a, p, { signal: options.signal });
  const total = terms.residual;
  if (options.traceEvery) history.push({ seconds, objective: total / source.count });
  return {
    factors: { shape: source.shape, partsRank: options.parts, appearancesRank: options.appearances, parts: p.data, appearances: a.data },
    report: {
      solver: "reference",
      objective: total / source.count,
      relativeObjective: total / terms.squaredNorm,
      iterations: done,
      seconds,
      ...(options.traceEvery ? { trace: history } : {}),
    },
  };
}
