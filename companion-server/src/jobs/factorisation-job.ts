/**
 * The task of a `POST /api/factorisations` job: sample the model's features, fit, and save into
 * the store under the id chosen when the job was accepted.
 */
import { Generator } from "../runtime/generator";
import { SessionFactory } from "../runtime/execution-providers";
import { sampleFeatures } from "../engine/sampling";
import { CONTACT_SHEET_ROWS, fitFactorisation, sampleImages } from "../engine/panda/fit-factorisation";
import { SolverName } from "../engine/panda/types";
import { FactorisationStore } from "../store/factorisation-store";
import { JobTask } from "./job-queue";
import { FitLimits, FitPlan } from "../engine/panda/fit-plan";
import { ImagingPool } from "../workers/imaging-pool";

/** What a job fits; it is also the job's `request` as GET /api/jobs/:id shows it. */
export interface FactorisationJobSpec {
  id: string;
  name: string;
  model: string;
  layer: string;
  parts: number;
  appearances: number;
  samples: number;
  solver: SolverName;
  seed: number;
  iterations?: number;
  learningRate?: number;
  batchSize?: number;
}

/** The job's contact sheet is drawn on `imaging`, off the event loop (its sample images come from the ONNX Runtime thread as RGBA). */
export function factorisationTask(
  generator: Generator,
  spec: FactorisationJobSpec,
  store: FactorisationStore,
  sessions: SessionFactory,
  planned: { limits: FitLimits; plan: FitPlan },
  imaging: ImagingPool,
): JobTask {
  return async ({ signal, progress }) => {
    const image = generator.manifest.image;
    const { contents } = await fitFactorisation({
      id: spec.id,
      name: spec.name,
      model: generator.id,
      layer: spec.layer,
      source: sampleFeatures(generator, spec.layer, spec.samples, spec.seed),
      solver: {
        parts: spec.parts,
        appearances: spec.appearances,
        solver: spec.solver,
        seed: spec.seed,
        iterations: spec.iterations,
        learningRate: spec.learningRate,
        batchSize: spec.batchSize,
      },
      sessions,
      sampleImages: () => sampleImages(generator, spec.seed, Math.min(CONTACT_SHEET_ROWS, spec.samples), { layer: spec.layer }),
      imageSize: { width: image.width, height: image.height },
      contactSheet: (factors, samples, size) => imaging.contactSheet(factors, samples, size),
      featureMemoryBudget: planned.limits.featureMemoryBudget,
      tempDir: planned.limits.tempDir,
      plan: planned.plan,
      signal,
      onProgress: progress,
    });
    progress({ fraction: 0.99, objective: contents.meta.objective, phase: "saving", message: "saving" });
    const saved = await store.save(contents);
    return { factorisationId: saved.id };
  };
}
