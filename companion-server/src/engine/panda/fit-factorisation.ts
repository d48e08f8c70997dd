/**
 * Fitting a factorisation end to end, as both the server's jobs and `panda decompose` do it:
 * the solver, then the saliency statistics and the background concept (one more pass over the
 * samples), then the contact sheet, giving everything a saved folder holds.
 */
import { Generator } from "../../runtime/generator";
import { SessionFactory } from "../../runtime/execution-providers";
import { RgbaImage, tensorToRgba } from "../../runtime/image-codec";
import { sampleLatents } from "../../runtime/random";
import { FACTORISATION_FORMAT, FactorisationMeta } from "../../store/factorisation-meta";
import { appearanceScales } from "../../api/strength";
import { FolderContents } from "../../store/factorisation-folder";
import { CancelledError, FeatureShape, FeatureSource, SolverOptions, SolverReport } from "./types";
import { collectStatistics } from "./statistics";
import { decompose } from "./decompose";
import { renderContactSheet } from "./contact-sheet";
import { Size } from "./maps";

/** Rows of sample images on a contact sheet. */
export const CONTACT_SHEET_ROWS = 4;

export interface FitProgress {
  fraction: number;
  objective?: number;
  message: string;
}

export interface FitRequest {
  id: string;
  name: string;
  model: string | null;
  layer: string | null;
  source: FeatureSource;
  solver: Omit<SolverOptions, "onProgress" | "signal">;
  sessions: SessionFactory;
  /** images of the first samples, for the contact sheet; none: the parts are drawn alone */
  sampleImages: () => Promise<RgbaImage[]>;
  /** size the parts are drawn at when there are no sample images */
  imageSize: Size;
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

/** The first `count` samples of `sampleFeatures(generator, layer, N, seed)` as images (same latents). */
export async function sampleImages(generator: Generator, seed: number, count: number): Promise<RgbaImage[]> {
  const m = generator.manifest;
  const latents = sampleLatents(m.latent.distribution, m.latent.size, seed, count);
  const out = await generator.generate(latents, count, 1);
  return Array.from({ length: count }, (_, i) => tensorToRgba(out.data, i, m.image.channels, m.image.width, m.image.height, m.image.range));
}

export async function fitFactorisation(req: FitRequest): Promise<FitResult> {
  const started = performance.now();
  const progress = req.onProgress ?? (() => {});
  const checkCancelled = () => {
    if (req.signal?.aborted) throw new CancelledError();
  };
  progress({ fraction: 0, message: `fitting ${req.solver.parts} parts and ${req.solver.appearances} appearances on ${req.source.count} samples` });
  const result = await decompose(
    req.source,
    {
      ...req.solver,
      signal: req.signal,
      onProgress: (p) => progress({ fraction: 0.9 * p.fraction, objective: p.objective, message: p.message ?? `iteration ${p.iteration}` }),
    },
    req.sessions,
  );
  checkCancelled();
  progress({ fraction: 0.9, objective: result.report.objective, message: "saliency statistics" });
  const stats = await collectStatistics(req.source, result.factors);
  checkCancelled();
  progress({ fraction: 0.95, objective: result.report.objective, message: "contact sheet" });
  const images = await req.sampleImages();
  const contactSheet = renderContactSheet(result.factors, images, req.imageSize);
  const { report, factors } = result;
  const meta: FactorisationMeta = {
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
    timings: { solverSeconds: report.seconds, totalSeconds: (performance.now() - started) / 1000 },
    saliency: stats.saliency,
    background: stats.background,
    strengthScales: appearanceScales(stats.saliency),
    createdAt: new Date().toISOString(),
  };
  return { contents: { meta, factors, contactSheet }, report };
}
