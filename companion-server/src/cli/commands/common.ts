/**
 * What the product commands share: model and factorisation options, argument parsers, the
 * progress bar (stderr, only on a TTY or with --progress) and opening a generator or a saved
 * factorisation with errors worded for the command line.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { SingleBar } from "cli-progress";
import { existsSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { GeneratorRegistry } from "../../runtime/generator-registry";
import { Generator, UnknownLayerError } from "../../runtime/generator";
import { parseDevice, SessionFactory } from "../../runtime/execution-providers";
import { encodeGrayPng, encodePng, RgbaImage } from "../../runtime/image-codec";
import { tailRenderer } from "../../runtime/tail-renderer";
import { sampleLatents, MAX_SEED } from "../../runtime/random";
import { LayerSpec } from "../../runtime/bundle-manifest";
import { readFactorisationFolder, SavedFactorisation, FactorisationFolderError } from "../../store/factorisation-folder";
import { FactorIndexError, ImageParts } from "../../engine/panda/image-parts";
import { refineParts } from "../../engine/panda/refine";
import { SpatialMap, toGray8 } from "../../engine/panda/maps";
import { CliError } from "../errors";
import { defaultModelDirs } from "../paths";
import { UPSAMPLINGS } from "../../engine/imaging/mask-upsampling";

export function parseInteger(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}…${max}`);
    return n;
  };
}

export function parseNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number");
  return n;
}

/** "0,3,5" → [0, 3, 5] (distinct indices ≥ 0). */
export function parseIndexList(text: string): number[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.some((s) => !/^\d+$/.test(s))) throw new InvalidArgumentError("expected comma-separated indices such as 0,3");
  const values = items.map(Number);
  if (new Set(values).size !== values.length) throw new InvalidArgumentError("an index appears twice");
  return values;
}

export function choice<T extends string>(values: readonly T[]) {
  return (text: string): T => {
    if (!(values as readonly string[]).includes(text)) throw new InvalidArgumentError(`expected one of ${values.join(", ")}`);
    return text as T;
  };
}

/** --upsampling, as the masks and saliency routes take it. */
export const upsamplingOption = () =>
  new Option("--upsampling <method>", "edge-aware (guided by the image) | bilinear | block").argParser(choice(UPSAMPLINGS)).default("edge-aware");

export const seedOption = () => new Option("--seed <n>", `random seed 0…${MAX_SEED}`).argParser(parseInteger(0, MAX_SEED));

/** --models and --device, as `panda serve` has them. */
export function addRuntimeOptions(command: Command): Command {
  return command
    .option("--models <dir...>", "folders of generator bundles (env PANDA_MODELS)", defaultModelDirs())
    .option("--device <device>", "cpu | cuda[:N] | dml[:N] | coreml (env PANDA_DEVICE)", process.env.PANDA_DEVICE ?? "cpu")
    .option("--progress", "show a progress bar even when stderr is not a terminal");
}

export interface Runtime {
  sessions: SessionFactory;
  registry: GeneratorRegistry;
  close(): Promise<void>;
}

export function openRuntime(opts: { models: string[]; device: string }): Runtime {
  let device;
  try {
    device = parseDevice(opts.device);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const sessions = new SessionFactory(device, (m) => process.stderr.write(`panda: ${m}\n`));
  const registry = new GeneratorRegistry(opts.models, sessions);
  return { sessions, registry, close: () => registry.close() };
}

export function requireGenerator(runtime: Runtime, model: string): Generator {
  const g = runtime.registry.get(model);
  if (g) return g;
  const broken = runtime.registry.failures.find((f) => f.message.includes(model));
  throw new CliError(broken ? `model "${model}" could not be loaded: ${broken.message}` : `unknown model "${model}"; available: ${runtime.registry.ids().join(", ") || "none"}`);
}

export function requireLayer(generator: Generator, layer?: string): LayerSpec {
  try {
    return generator.layer(layer);
  } catch (err) {
    if (err instanceof UnknownLayerError) throw new CliError(err.message);
    throw err;
  }
}

/** A progress bar on stderr, or nothing when stderr is not a terminal (unless --progress). */
export function progressBar(forced: boolean | undefined): { update(fraction: number, message: string): void; stop(): void } {
  if (!forced && !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ stream: process.stderr, format: "{bar} {percentage}% {message}", hideCursor: true, noTTYOutput: true, notTTYSchedule: 1000 });
  bar.start(1000, 0, { message: "" });
  return {
    update: (fraction, message) => bar.update(Math.round(fraction * 1000), { message }),
    stop: () => bar.stop(),
  };
}

export function readFactorisation(dir: string): SavedFactorisation {
  if (!existsSync(dir)) throw new CliError(`no factorisation folder at ${dir} (write one with panda decompose)`);
  try {
    return readFactorisationFolder(dir);
  } catch (err) {
    if (err instanceof FactorisationFolderError) throw new CliError(`factorisation ${err.message}`);
    throw err;
  }
}

/** One image of a seed with its features at the factorisation's layer, ready for masks and edits. */
export async function imagePartsForSeed(
  runtime: Runtime,
  opts: { model: string; factorisation: string; seed: number; truncation?: number; refine?: boolean },
): Promise<{ parts: ImageParts; factorisation: SavedFactorisation }> {
  const f = readFactorisation(opts.factorisation);
  const generator = requireGenerator(runtime, opts.model);
  const { meta } = f;
  if (meta.model !== null && meta.model !== generator.id) throw new CliError(`the factorisation in ${opts.factorisation} was fitted on model "${meta.model}", not "${generator.id}"`);
  if (meta.layer === null) throw new CliError(`the factorisation in ${opts.factorisation} names no layer (it was fitted on a features file without --model)`);
  const layer = requireLayer(generator, meta.layer);
  const [c, h, w] = layer.shape;
  if (c !== meta.shape.channels || h !== meta.shape.height || w !== meta.shape.width)
    throw new CliError(`the factorisation is for ${meta.shape.channels}×${meta.shape.height}×${meta.shape.width} features; layer "${layer.id}" of "${generator.id}" has ${c}×${h}×${w}`);
  const m = generator.manifest;
  const latent = sampleLatents(m.latent.distribution, m.latent.size, opts.seed);
  const batch = await generator.head(layer.id, latent, 1, opts.truncation ?? generator.defaultTruncation());
  const { images: [image] } = await generator.tailRgba(batch);
  const refined = opts.refine ? await refineParts(batch.features, f.factors, {}, runtime.sessions) : undefined;
  return { parts: new ImageParts(f, batch.features, image, tailRenderer(generator, batch), refined), factorisation: f };
}

/** Options every image command has. */
export function addImageOptions(command: Command): Command {
  return addRuntimeOptions(command)
    .requiredOption("--model <id>", "model id")
    .requiredOption("--factorisation <dir>", "folder of a saved factorisation")
    .addOption(seedOption().makeOptionMandatory())
    .option("--truncation <psi>", "truncation ψ (default: the model's)", parseNumber)
    .option("--refine", "refine the parts for this image first")
    .requiredOption("--out <dir>", "folder to write PNG files into");
}

/** Writes PNGs into `dir` and returns their paths. */
export function writePngs(dir: string, files: Record<string, RgbaImage | SpatialMap>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(path, "rgba" in content ? encodePng(content) : encodeGrayPng(toGray8(content), content.width, content.height));
    return path;
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** Runs an action with the runtime open, closing it whatever happens; a bad index is a usage error. */
export async function withRuntime<T>(opts: { models: string[]; device: string }, run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = openRuntime(opts);
  try {
    return await run(runtime);
  } catch (err) {
    throw err instanceof FactorIndexError ? new CliError(err.message) : err;
  } finally {
    await runtime.close();
  }
}
