/**
 * `panda decompose`: fits parts and appearances on a features file or on samples of a model and
 * writes the factorisation's folder (parts.npy, appearances.npy, meta.json, contact-sheet.png)
 * plus report.json. With --features and no --model there are no sample images, so the contact
 * sheet shows the parts alone.
 */
import { Command } from "commander";
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { readNpy, toFloat32, NpyError } from "../../engine/io/npy";
import { inMemoryFeatures, measureHeadSeconds, sampleFeatures } from "../../engine/sampling";
import { CONTACT_SHEET_ROWS, fitFactorisation, FitProgress, rankProblem, sampleImages } from "../../engine/panda/fit-factorisation";
import { describePlan, describeRefusal, FitJob, machineLimits, planFit, refusal } from "../../engine/panda/fit-plan";
import { FeatureSource } from "../../engine/panda/types";
import { writeFactorisationFolder } from "../../store/factorisation-folder";
import { FACTORISATION_ID_PATTERN } from "../../store/factorisation-meta";
import { CliError } from "../errors";
import { addRuntimeOptions, choice, parseInteger, parseNumber, printJson, progressBar, requireGenerator, requireLayer, seedOption, withRuntime, Runtime } from "./common";
import { Generator } from "../../runtime/generator";

interface DecomposeOptions {
  features?: string;
  model?: string;
  layer?: string;
  samples?: number;
  parts: number;
  appearances: number;
  solver: "fast" | "reference";
  iterations?: number;
  lr?: number;
  batch?: number;
  seed: number;
  out: string;
  force?: boolean;
  name?: string;
  progress?: boolean;
  models: string[];
  device: string;
  featureMemory?: number;
  memoryLimit?: number;
  tempDir?: string;
}

const MIB = 2 ** 20;

/** A features file as a source: float32/float64, C order, shape (N, C, H, W). */
function readFeatures(file: string): FeatureSource {
  let array;
  try {
    array = readNpy(file);
  } catch (err) {
    throw new CliError((err as NpyError).message);
  }
  if (array.shape.length !== 4) throw new CliError(`${file}: features must have shape (N, C, H, W); this array has shape (${array.shape.join(", ")})`);
  const [n, channels, height, width] = array.shape;
  if (n < 1 || channels < 1 || height < 1 || width < 1) throw new CliError(`${file}: shape (${array.shape.join(", ")}) has an empty axis`);
  const data = toFloat32(array);
  if (!data.every(Number.isFinite)) throw new CliError(`${file}: the features hold NaN or infinite values`);
  return inMemoryFeatures(data, { channels, height, width }, n);
}

function sourceFor(opts: DecomposeOptions, runtime: Runtime): { source: FeatureSource; generator?: Generator; layer: string | null } {
  if (opts.features !== undefined) {
    if (opts.samples !== undefined) throw new CliError("--samples applies to sampling a model, not to --features");
    const source = readFeatures(opts.features);
    if (opts.model === undefined) return { source, layer: opts.layer ?? null };
    // With a model too, the file must fit its layer; the factorisation is then usable for that model.
    const generator = requireGenerator(runtime, opts.model);
    const layer = requireLayer(generator, opts.layer);
    const [c, h, w] = layer.shape;
    const s = source.shape;
    if (s.channels !== c || s.height !== h || s.width !== w)
      throw new CliError(`${opts.features}: features are ${s.channels}×${s.height}×${s.width}; layer "${layer.id}" of "${generator.id}" has ${c}×${h}×${w}`);
    return { source, generator, layer: layer.id };
  }
  if (opts.model === undefined) throw new CliError("give --features FILE, or --model ID with --samples N");
  if (opts.samples === undefined) throw new CliError("--samples N is needed with --model");
  const generator = requireGenerator(runtime, opts.model);
  const layer = requireLayer(generator, opts.layer);
  return { source: sampleFeatures(generator, layer.id, opts.samples, opts.seed), generator, layer: layer.id };
}

/** "solver: round 2: pass 3 (weighted Gram) 120/256 · objective 1.234e+3 · about 2 min left" */
function progressLine(p: FitProgress): string {
  const parts = [p.message.startsWith(p.phase) ? p.message : `${p.phase}: ${p.message}`];
  if (p.objective !== undefined) parts.push(`objective ${p.objective.toPrecision(4)}`);
  if (p.etaSeconds !== undefined) parts.push(p.etaSeconds < 90 ? `about ${p.etaSeconds} s left` : `about ${Math.round(p.etaSeconds / 60)} min left`);
  return parts.join(" · ");
}

/** The folder's name is the id, so a copied folder loads in the server's store as it is. */
/** An existing folder holds someone's earlier work: it is replaced only when asked, and checked before minutes of fitting. */
function checkOut(opts: DecomposeOptions): void {
  if (existsSync(opts.out) && !opts.force) throw new CliError(`${opts.out} already exists; choose another --out, or pass --force to replace it`);
}

function idFor(opts: DecomposeOptions): string {
  const id = opts.name ?? basename(resolve(opts.out));
  if (!new RegExp(FACTORISATION_ID_PATTERN).test(id)) throw new CliError(`"${id}" cannot be a factorisation id: use letters, digits, ".", "_" and "-" (give --name)`);
  return id;
}

export function registerDecompose(program: Command): void {
  addRuntimeOptions(program.command("decompose").description("fit parts and appearances and write the factorisation's folder"))
    .option("--features <file>", "a .npy of shape (N, C, H, W), float32 or float64, C order")
    .option("--model <id>", "sample features of this model (or: the model the --features come from)")
    .option("--layer <id>", "layer id (default: the model's default layer)")
    .option("--samples <n>", "number of samples drawn from --model", parseInteger(1, 1_000_000))
    .requiredOption("--parts <n>", "R_S, number of parts", parseInteger(1, 4096))
    .requiredOption("--appearances <n>", "R_C, number of appearances", parseInteger(1, 65536))
    .option("--solver <name>", "fast | reference", choice(["fast", "reference"] as const), "fast")
    .option("--iterations <n>", "iteration budget", parseInteger(1, 10_000_000))
    .option("--lr <x>", "learning rate (reference solver)", parseNumber)
    .option("--batch <n>", "samples per step (reference solver)", parseInteger(1, 65536))
    .addOption(seedOption().default(0))
    .option("--name <id>", "the factorisation's id (default: the folder name of --out)")
    .requiredOption("--out <dir>", "folder to write (refused when it exists, unless --force)")
    .option("--force", "replace the --out folder when it exists")
    .option("--feature-memory <MiB>", "features up to this size are kept in memory, larger ones in a temporary file (default 1024)", parseInteger(0))
    .option("--memory-limit <MiB>", "refuse a job that needs more memory (default: 80 % of this machine's)", parseInteger(1))
    .option("--temp-dir <dir>", "folder for the temporary features file (default: the system's)")
    .action(async (opts: DecomposeOptions) =>
      withRuntime(opts, async (runtime) => {
        checkOut(opts);
        const id = idFor(opts);
        const { source, generator, layer } = sourceFor(opts, runtime);
        const problem = rankProblem(source.shape, opts.parts, opts.appearances);
        if (problem) throw new CliError(`--${problem.what} ${problem.got} is too large for these features: at most ${problem.max} (${problem.why})`);
        const sampled = generator !== undefined && opts.features === undefined;
        const limits = machineLimits({
          ...(opts.featureMemory !== undefined ? { featureMemoryBudget: opts.featureMemory * MIB } : {}),
          ...(opts.memoryLimit !== undefined ? { memoryLimit: opts.memoryLimit * MIB } : {}),
          ...(opts.tempDir !== undefined ? { tempDir: resolve(opts.tempDir) } : {}),
        });
        const fit: FitJob = {
          shape: source.shape,
          samples: source.count,
          parts: opts.parts,
          appearances: opts.appearances,
          solver: opts.solver,
          iterations: opts.iterations,
          batchSize: opts.batch,
          sampled,
          headSecondsPerSample: sampled ? await measureHeadSeconds(generator, layer as string) : undefined,
        };
        const plan = planFit(fit, limits);
        const refused = refusal(fit, plan, limits);
        if (refused) throw new CliError(describeRefusal(refused));
        process.stderr.write(`panda: ${describePlan(plan)}\n`);
        const bar = progressBar(opts.progress);
        const { contents, report } = await fitFactorisation({
          id,
          name: id,
          model: generator?.id ?? null,
          layer,
          source,
          solver: { parts: opts.parts, appearances: opts.appearances, solver: opts.solver, seed: opts.seed, iterations: opts.iterations, learningRate: opts.lr, batchSize: opts.batch },
          featureMemoryBudget: limits.featureMemoryBudget,
          tempDir: limits.tempDir,
          plan,
          sessions: runtime.sessions,
          sampleImages: async () => (sampled ? sampleImages(generator, opts.seed, Math.min(CONTACT_SHEET_ROWS, source.count), { layer: layer as string }) : []),
          imageSize: generator ? { width: generator.manifest.image.width, height: generator.manifest.image.height } : { width: source.shape.width, height: source.shape.height },
          onProgress: (p) => bar.update(p.fraction, progressLine(p)),
        });
        bar.stop();
        const summary = { objective: report.objective, relativeObjective: report.relativeObjective, seconds: report.seconds, iterations: report.iterations, solver: report.solver };
        await writeFactorisationFolder(opts.out, { ...contents, extra: { "report.json": JSON.stringify(summary, null, 2) + "\n" } });
        printJson({ ...summary, id, out: opts.out });
      }),
    );
}
