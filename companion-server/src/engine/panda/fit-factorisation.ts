/**
 * Fitting a factorisation end to end, as both the server's jobs and `panda decompose` do it:
 * the samples are drawn once (into memory or a temporary file), then the solver, the saliency
 * statistics and the background concept (one more pass over the stored samples, in ONNX Runtime),
 * then the contact sheet, giving everything a saved folder holds. Progress names the phase, its
 * counts and an estimate of the time left.
 */
import { Generator } from "../../runtime/generator";
import { SessionFactory } from "../../runtime/execution-providers";
import { RgbaImage } from "../../runtime/image-codec";
import { sampleLatents } from "../../runtime/random";
import { FACTORISATION_FORMAT, FactorisationMeta } from "../../store/factorisation-meta";
import { appearanceScales } from "../../api/strength";
import { FolderContents } from "../../store/factorisation-folder";
import { CancelledError, FeatureShape, FeatureSource, SolverOptions, SolverReport, SolverResult } from "./types";
import { collectStatistics, FactorStatistics } from "./statistics";
import { isStored, storeFeatures } from "../feature-store";
import { ortBackendFor } from "../tensor/ort-backend";
import type { FitPlan } from "./fit-plan";
import { decompose } from "./decompose";
import { ContactSheetRenderer, renderContactSheet } from "./contact-sheet";
import { Size } from "./maps";

/** The fast solver's refinement rounds get at least this long, however quick the sampling was. */
export const SOLVER_MIN_BUDGET_SECONDS = 10;
/**
 * The solver's share of the sampling's time (its final objective pass included): everything after
 * sampling should take no longer than sampling did, and after the solver come the statistics (a
 * pass that forms AᵀZ, a quarter of the sampling's time at 64×64 with 512 appearances) and the
 * contact sheet (at 32×32 with 512 samples, a quarter of the sampling's time on two cores).
 */
export const SOLVER_BUDGET_SHARE = 0.6;

/** Seconds the fast solver's refinement rounds get after a sampling that took `samplingSeconds`. */
export function solverBudgetSeconds(samplingSeconds: number): number {
  return Math.max(SOLVER_MIN_BUDGET_SECONDS, SOLVER_BUDGET_SHARE * samplingSeconds);
}

/** Rows of sample images on a contact sheet. */
export const CONTACT_SHEET_ROWS = 4;

export type FitPhase = "sampling" | "solver" | "statistics" | "contact sheet";

export interface FitProgress {
  fraction: number;
  objective?: number;
  message: string;
  phase: FitPhase;
  /** units of the current step done and in all (samples of a pass, iterations) */
  done?: number;
  total?: number;
  /** the fast solver's round */
  round?: number;
  /** seconds left for the whole fit, once there is enough to go on */
  etaSeconds?: number;
}

export interface FitRequest {
  id: string;
  name: string;
  model: string | null;
  layer: string | null;
  source: FeatureSource;
  solver: Omit<SolverOptions, "onProgress" | "signal" | "featureMemoryBudget">;
  sessions: SessionFactory;
  /** images of the first samples, for the contact sheet; none: the parts are drawn alone */
  sampleImages: () => Promise<RgbaImage[]>;
  /** size the parts are drawn at when there are no sample images */
  imageSize: Size;
  /** draws the contact sheet (default: renderContactSheet in place; the server's jobs use an imaging thread) */
  contactSheet?: ContactSheetRenderer;
  /**
   * Stored features passed as `source` are the caller's and outlive the fit, unless this is set:
   * then the fit disposes them as soon as it no longer reads them (before the contact sheet), as
   * it does with the features it stores itself.
   */
  disposeSource?: boolean;
  /** bytes of features held in memory; above, a temporary file */
  featureMemoryBudget?: number;
  /** folder of that temporary file */
  tempDir?: string;
  /** the up-front plan: weighs the phases in the progress fraction */
  plan?: FitPlan;
  signal?: AbortSignal;
  onProgress?: (p: FitProgress) => void;
}

export interface FitResult {
  contents: FolderContents;
  report: SolverReport;
}

/** Why these ranks do not fit the layer, or null when they do. */
export function rankProblem(shape: FeatureShape, parts: number, appearances: number): { what: string; got: number; max: number; why: string } | null {
  const s = shape.height * shape.width;
  if (parts > s) return { what: "parts", got: parts, max: s, why: `H·W = ${shape.height}·${shape.width} positions` };
  if (appearances > shape.channels) return { what: "appearances", got: appearances, max: shape.channels, why: `C = ${shape.channels} channels` };
  return null;
}

/**
 * The first `count` samples of `sampleFeatures(generator, layer, N, seed)` as images (same latents),
 * through that layer's head (already open from the sampling) and tail, one image at a time: at
 * StyleGAN size a batch of four kept a gigabyte of activations in ONNX Runtime's arena.
 */
export async function sampleImages(generator: Generator, seed: number, count: number, options: { layer?: string } = {}): Promise<RgbaImage[]> {
  const m = generator.manifest;
  const size = m.latent.size;
  const { layer = generator.layer().id } = options;
  const latents = sampleLatents(m.latent.distribution, size, seed, count);
  const images: RgbaImage[] = [];
  for (let i = 0; i < count; i++) {
    const { images: [image] } = await generator.tailRgba(await generator.head(layer, latents.subarray(i * size, (i + 1) * size), 1, 1));
    images.push(image);
  }
  return images;
}

/** Shares of the progress bar per phase, from the plan's minutes (sampling unknown: a third). */
function phaseShares(plan: FitPlan | undefined, sampled: boolean): { sampling: number; solver: number } {
  const after = 0.05;
  if (!sampled) return { sampling: 0, solver: 1 - after };
  if (!plan || plan.minutes.sampling === null || plan.minutes.total <= 0) return { sampling: 0.33, solver: 0.62 };
  const sampling = (1 - after) * Math.min(0.9, Math.max(0.05, plan.minutes.sampling / plan.minutes.total));
  return { sampling, solver: 1 - after - sampling };
}

/** Seconds left from the time spent and the fraction done; none before 2 % and 1 s (too noisy). */
export function etaSeconds(elapsedSeconds: number, fraction: number): number | undefined {
  if (fraction < 0.02 || elapsedSeconds < 1 || fraction >= 1) return undefined;
  return Math.round((elapsedSeconds * (1 - fraction)) / fraction);
}

export async function fitFactorisation(req: FitRequest): Promise<FitResult> {
  const started = performance.now();
  const report = (p: Omit<FitProgress, "etaSeconds">) => req.onProgress?.({ ...p, etaSeconds: etaSeconds((performance.now() - started) / 1000, p.fraction) });
  const checkCancelled = () => {
    if (req.signal?.aborted) throw new CancelledError();
  };
  const sampled = !req.source.inMemory && !isStored(req.source);
  const shares = phaseShares(req.plan, sampled);
  // Samples already stored are not drawn again: the fit starts with the solver, no "sampling" phase.
  report({ fraction: 0, phase: sampled ? "sampling" : "solver", message: `fitting ${req.solver.parts} parts and ${req.solver.appearances} appearances on ${req.source.count} samples` });
  const samplingStarted = performance.now();
  const features = await storeFeatures(req.source, {
    memoryBudget: req.featureMemoryBudget,
    tempDir: req.tempDir,
    signal: req.signal,
    onSample: (done, total) => report({ fraction: (shares.sampling * done) / total, phase: "sampling", done, total, message: `sampling ${done}/${total}` }),
  });
  const samplingSeconds = (performance.now() - samplingStarted) / 1000;
  // Only what this fit stored, or was handed: a caller that passes stored features keeps them.
  const owned = features !== req.source || req.disposeSource === true;
  try {
    const result = await decompose(
      features,
      {
        // What follows sampling should take no longer than sampling did (refinement rounds are cut
        // to fit); an explicit budget wins.
        timeBudgetSeconds: shares.sampling > 0 ? solverBudgetSeconds(samplingSeconds) : undefined,
        ...req.solver,
        signal: req.signal,
        onProgress: (p) =>
          report({
            fraction: shares.sampling + shares.solver * p.fraction,
            objective: p.objective,
            phase: "solver",
            done: p.done,
            total: p.total,
            round: p.round,
            message: p.message ?? `iteration ${p.iteration}`,
          }),
      },
      req.sessions,
    );
    checkCancelled();
    const afterSolver = shares.sampling + shares.solver;
    const stats = await collectStatistics(features, result.factors, {
      backend: ortBackendFor(req.sessions),
      signal: req.signal,
      onBatch: (done, total) =>
        report({ fraction: afterSolver + (0.03 * done) / total, objective: result.report.objective, phase: "statistics", done, total, message: `saliency statistics ${done}/${total}` }),
    });
    checkCancelled();
    result.factors.partCentres = stats.partCentres;
    // The samples are read for the last time: hand their memory back before the contact sheet
    // draws images through the generator (whose tail at image size needs hundreds of MB of its own).
    if (owned) await features.dispose();
    report({ fraction: afterSolver + 0.03, objective: result.report.objective, phase: "contact sheet", message: "contact sheet" });
    const images = await req.sampleImages();
    const contactSheet = await (req.contactSheet ?? renderContactSheet)(result.factors, images, req.imageSize);
    return { contents: { meta: metaOf(req, result, stats, (performance.now() - started) / 1000), factors: result.factors, contactSheet }, report: result.report };
  } finally {
    if (owned) await features.dispose(); // idempotent: also on failure and cancellation
  }
}

function metaOf(req: FitRequest, result: SolverResult, stats: FactorStatistics, totalSeconds: number): FactorisationMeta {
  const { report, factors } = result;
  return {
    format: FACTORISATION_FORMAT,
    id: req.id,
    name: req.name,
    model: req.model,
    layer: req.layer,
    shape: factors.shape,
    ranks: { parts: factors.partsRank, appearances: factors.appearancesRank },
    solver: report.solver,
    seed: req.solver.seed,
    samples: req.source.count,
    iterations: report.iterations,
    objective: report.objective,
    relativeObjective: report.relativeObjective,
    timings: { solverSeconds: report.seconds, totalSeconds },
    saliency: stats.saliency,
    background: stats.background,
    strengthScales: appearanceScales(stats.saliency),
    partCentres: Array.from(stats.partCentres),
    createdAt: new Date().toISOString(),
  };
}
