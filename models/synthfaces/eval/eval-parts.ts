/**
 * npm run eval:parts — how well do discovered parts match the true face parts, at image resolution?
 * On N generated samples labelled by the bundle's face parser (run at its own input size, its
 * logits upsampled to the image): per ground-truth class, the IoU of its best-matching part, and
 * the boundary F-score of the parts' edges, for PandA (global and per-image refined parts — refined
 * as the server does: positions assigned to the parts' directions from the fit's samples, upsampled,
 * fitted to the image's colours) and for
 * baselines on the same features (spherical k-means, NMF, PCA), each with block, bilinear and
 * edge-aware (guided-filter) upsampling of the parts; the ROIR of appearance edits per PandA part;
 * and a layout check of the samples. Prints JSON; writes it and a contact sheet to --out (git-ignored
 * by default); --update-card copies both next to the bundle's card and updates the card's table.
 *   npm run eval:parts -- [--model synthfaces] [--layer 8x8] [--samples 200] [--parts 8] [--seed 2026] [--update-card]
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import * as ort from "onnxruntime-node";
import { GeneratorRegistry } from "../../../companion-server/src/runtime/generator-registry";
import { SessionFactory } from "../../../companion-server/src/runtime/execution-providers";
import { OrtSession } from "../../../companion-server/src/runtime/ort-thread";
import { Generator } from "../../../companion-server/src/runtime/generator";
import { sampleLatents } from "../../../companion-server/src/runtime/random";
import { encodePng, RgbaImage, tensorToRgba } from "../../../companion-server/src/runtime/image-codec";
import { DEFAULT_MODELS_DIR } from "../../../companion-server/src/cli/paths";
import { decompose } from "../../../companion-server/src/engine/panda/decompose";
import { collectStatistics } from "../../../companion-server/src/engine/panda/statistics";
import { refineParts } from "../../../companion-server/src/engine/panda/refine";
import { applyEdits, editRegion } from "../../../companion-server/src/engine/panda/edits";
import { resizeBilinear } from "../../../companion-server/src/engine/panda/maps";
import { Plane } from "../../../companion-server/src/engine/imaging/resample";
import { MapUpsampler, Upsampling, UPSAMPLINGS } from "../../../companion-server/src/engine/imaging/mask-upsampling";
import { COLOUR_FIT_DEFAULTS, fitPartsToColours } from "../../../companion-server/src/engine/imaging/colour-fit";
import { readModelSignature } from "../../../companion-server/src/onnx/model-signature";
import { partColour } from "../../../companion-server/src/engine/panda/overlay";
import { ortBackendFor } from "../../../companion-server/src/engine/tensor/ort-backend";
import { Factors } from "../../../companion-server/src/engine/panda/types";
import { inMemoryFeatures } from "../../../companion-server/src/engine/sampling";
import { writeFileAtomic } from "../../../companion-server/src/util/atomic-write";
import { featureVectors, nmf, pca, sphericalKMeans, toScoreMaps } from "./baselines";
import { assignParts, BoundaryScore, IouTable } from "./scoring";
import { checkLayout } from "./layout-check";

interface Samples {
  count: number;
  features: Float32Array;
  images: RgbaImage[];
  labels: Uint8Array[];
}

/** The parser's labels for a batch of images at image size: its input is the images shrunk by area
 * means to the parser's size, its logits are upsampled bilinearly back before the argmax. */
function parseLabels(logits: ort.Tensor, n: number, image: { width: number; height: number }): Uint8Array[] {
  const [, k, ph, pw] = logits.dims;
  const data = logits.data as Float32Array;
  const plane = image.width * image.height;
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const up = Array.from({ length: k }, (_, j) => resizeBilinear({ width: pw, height: ph, data: data.subarray((i * k + j) * pw * ph, (i * k + j + 1) * pw * ph) }, image).data);
    const lab = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (up[j][p] > up[best][p]) best = j;
      lab[p] = best;
    }
    out.push(lab);
  }
  return out;
}

/** N·C·H·W images shrunk by an integer factor (area means) to the parser's side. */
function shrink(data: Float32Array, n: number, channels: number, side: number, target: number): Float32Array {
  if (side === target) return data;
  const f = side / target;
  if (!Number.isInteger(f)) throw new Error(`the parser takes ${target}×${target} images; ${side} is not a multiple`);
  const out = new Float32Array(n * channels * target * target);
  for (let i = 0; i < n * channels; i++)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) out[i * target * target + Math.floor(y / f) * target + Math.floor(x / f)] += data[i * side * side + y * side + x] / (f * f);
  return out;
}

async function generateSamples(generator: Generator, layerId: string, count: number, seed: number, parser: OrtSession, parserSide: number, truncation = 1): Promise<Samples> {
  const m = generator.manifest;
  const { width, height, channels } = m.image;
  const [c, h, w] = generator.layer(layerId).shape;
  const latents = sampleLatents(m.latent.distribution, m.latent.size, seed, count);
  const features = new Float32Array(count * c * h * w);
  const images: RgbaImage[] = [];
  const labels: Uint8Array[] = [];
  const chunk = 16;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const batch = await generator.head(layerId, latents.subarray(start * m.latent.size, (start + n) * m.latent.size), n, truncation);
    features.set(batch.features, start * c * h * w);
    const out = await generator.tail(batch);
    for (let i = 0; i < n; i++) images.push(tensorToRgba(out.data, i, channels, width, height, m.image.range));
    const small = shrink(out.data, n, channels, width, parserSide);
    const logits = (await parser.run({ image: new ort.Tensor("float32", small, [n, channels, parserSide, parserSide]) })).logits;
    labels.push(...parseLabels(logits, n, { width, height }));
  }
  return { count, features, images, labels };
}

/** P's columns as K·S map-major scores (the same for every sample). */
function partScores(parts: Float32Array, k: number, positions: number): Float32Array {
  const out = new Float32Array(k * positions);
  for (let s = 0; s < positions; s++) for (let j = 0; j < k; j++) out[j * positions + s] = parts[s * k + j];
  return out;
}

/** ROIR per part: mean |Δpixel| outside the part's region over mean |Δpixel| inside (lower = more local). */
async function editLocality(generator: Generator, layerId: string, factors: Factors, samples: Samples, sampleCount: number): Promise<{ part: number; appearance: number; roir: number }[]> {
  const { channels, height, width } = factors.shape;
  const positions = height * width;
  const size = channels * positions;
  const image = { width: generator.manifest.image.width, height: generator.manifest.image.height };
  // Strength: twice the typical length of a feature vector, so that each edit is clearly visible.
  let sq = 0;
  for (let i = 0; i < sampleCount * size; i++) sq += samples.features[i] ** 2;
  const strength = 2 * Math.sqrt(sq / (sampleCount * positions));
  const results: { part: number; appearance: number; roir: number }[] = [];
  // presence[k][r] = Σ_i (a_rᵀ Z_i p_k)²: how much of appearance r sits in part k over the samples.
  const presence = Array.from({ length: factors.partsRank }, () => new Float64Array(factors.appearancesRank));
  for (let i = 0; i < sampleCount; i++) {
    const z = samples.features.subarray(i * size, (i + 1) * size);
    for (let k = 0; k < factors.partsRank; k++) {
      const zp = new Float64Array(channels);
      for (let c = 0; c < channels; c++) for (let s = 0; s < positions; s++) zp[c] += z[c * positions + s] * factors.parts[s * factors.partsRank + k];
      for (let r = 0; r < factors.appearancesRank; r++) {
        let dot = 0;
        for (let c = 0; c < channels; c++) dot += factors.appearances[c * factors.appearancesRank + r] * zp[c];
        presence[k][r] += dot * dot;
      }
    }
  }
  for (let k = 0; k < factors.partsRank; k++) {
    // The appearance most specific to this part (largest share of its presence in this part), as
    // a user would pick "the hair colour" for the hair: the globally strongest one is everywhere.
    const specificity = presence[k].map((v, r) => v / presence.reduce((sum, row) => sum + row[r], 1e-12));
    const appearance = specificity.indexOf(Math.max(...specificity));
    const region = resizeBilinear(editRegion(factors, [k]), image).data;
    let inside = 0;
    let outside = 0;
    let nIn = 0;
    let nOut = 0;
    for (let i = 0; i < sampleCount; i++) {
      const z = samples.features.slice(i * size, (i + 1) * size);
      const edited = applyEdits(factors, z, [{ parts: [k], appearance, strength }]).features;
      const both = await generator.tail({ layer: layerId, count: 2, features: Float32Array.from([...z, ...edited]), auxiliary: {} });
      const plane = image.width * image.height;
      const ch = generator.manifest.image.channels;
      for (let p = 0; p < plane; p++) {
        let delta = 0;
        for (let c = 0; c < ch; c++) delta += Math.abs(both.data[(ch + c) * plane + p] - both.data[c * plane + p]) / ch;
        if (region[p] >= 0.5) (inside += delta), nIn++;
        else (outside += delta), nOut++;
      }
    }
    results.push({ part: k, appearance, roir: nIn && nOut && inside > 0 ? outside / nOut / (inside / nIn) : Number.NaN });
  }
  return results;
}

function labelImage(labels: Uint8Array, width: number, height: number): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  labels.forEach((l, p) => {
    rgba.set(l === 0 ? [20, 20, 20] : partColour(l), p * 4);
    rgba[p * 4 + 3] = 255;
  });
  return { width, height, rgba };
}

/** Rows of samples; columns: image, parser labels, then each method's part assignment. */
function contactSheet(cells: RgbaImage[][], scale: number): RgbaImage {
  const w = cells[0][0].width * scale;
  const h = cells[0][0].height * scale;
  const gap = 2;
  const width = cells[0].length * (w + gap) - gap;
  const height = cells.length * (h + gap) - gap;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  cells.forEach((row, r) =>
    row.forEach((cell, c) => {
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const src = (Math.floor(y / scale) * cell.width + Math.floor(x / scale)) * 4;
          rgba.set(cell.rgba.subarray(src, src + 4), ((r * (h + gap) + y) * width + c * (w + gap) + x) * 4);
        }
    }),
  );
  return { width, height, rgba };
}

const CARD_START = "<!-- eval:parts -->";
const CARD_END = "<!-- /eval:parts -->";

/** Rewrites the card's results table (between the eval:parts markers), one row per layer and method. */
function updateCardTable(cardFile: string, result: { layer: string; parts: number; samples: number; meanIoU: Record<string, Record<string, number>>; boundaryF: Record<string, Record<string, number>> }): void {
  if (!existsSync(cardFile)) return;
  const card = readFileSync(cardFile, "utf8");
  const start = card.indexOf(CARD_START);
  const end = card.indexOf(CARD_END);
  if (start < 0 || end < start) throw new Error(`${cardFile} has no ${CARD_START} … ${CARD_END} section to update`);
  const header = "| layer, parts | method | mIoU block | mIoU bilinear | mIoU edge-aware | boundary F block | boundary F bilinear | boundary F edge-aware |";
  const rule = "|---|---|---|---|---|---|---|---|";
  const keep = card.slice(start + CARD_START.length, end).split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| layer") && !l.startsWith(`| ${result.layer}, `));
  const rows = Object.keys(result.meanIoU).map((m) =>
    `| ${result.layer}, ${result.parts} | ${m} | ${UPSAMPLINGS.map((u) => result.meanIoU[m][u].toFixed(3)).join(" | ")} | ${UPSAMPLINGS.map((u) => result.boundaryF[m][u].toFixed(3)).join(" | ")} |`,
  );
  const table = [header, rule, ...[...keep, ...rows].sort()].join("\n");
  writeFileAtomic(cardFile, `${card.slice(0, start)}${CARD_START}\n${table}\n${card.slice(end)}`);
}

async function main(): Promise<void> {
  const opts = new Command("eval:parts")
    .option("--model <id>", "bundle with an evaluation parser", "synthfaces")
    .option("--layer <id>", "split layer (default: the bundle's default)")
    .option("--samples <n>", "generated samples", (v) => parseInt(v, 10), 200)
    .option("--parts <k>", "parts per method (R_S)", (v) => parseInt(v, 10), 8)
    .option("--seed <s>", "seed of the samples and of every method", (v) => parseInt(v, 10), 2026)
    .option("--refine-method <m>", "per-image refinement: cluster (default), fit (the per-image P-fit) or steps (the published demo)", "cluster")
    .option("--no-colour-fit", "refined parts without the fit to each image's colours (the server always fits them)")
    .option("--refine-iterations <n>", "iterations of per-image refinement", (v) => parseInt(v, 10), 100)
    .option("--boundary-tolerance <px>", "boundary F-score: an edge counts within this many pixels (default: 1% of the image side, ≥ 1)", (v) => parseInt(v, 10))
    .option("--edit-samples <n>", "samples per part for the ROIR", (v) => parseInt(v, 10), 8)
    .option("--out <dir>", "where the contact sheet and JSON go (git-ignored by default)", join(DEFAULT_MODELS_DIR, "synthfaces", "work", "eval"))
    .option("--update-card", "also copy them next to the bundle's model card and update its table (the committed copies)")
    .parse(process.argv)
    .opts();
  const sessions = new SessionFactory();
  const registry = new GeneratorRegistry([DEFAULT_MODELS_DIR], sessions);
  const generator = registry.get(opts.model);
  if (!generator) throw new Error(`no bundle "${opts.model}" under ${DEFAULT_MODELS_DIR}`);
  const evaluation = generator.manifest.evaluation;
  if (!evaluation) throw new Error(`bundle "${opts.model}" has no evaluation parser`);
  const layer = generator.layer(opts.layer);
  const [channels, height, width] = layer.shape;
  const positions = height * width;
  const k: number = opts.parts;
  const image = { width: generator.manifest.image.width, height: generator.manifest.image.height };
  const started = Date.now();

  if (!["cluster", "fit", "steps"].includes(opts.refineMethod)) throw new Error(`--refine-method is cluster, fit or steps, got "${opts.refineMethod}"`);
  const parserFile = join(generator.bundle.dir, evaluation.parser);
  const parserSide = readModelSignature(parserFile).inputs[0].dims[2] ?? image.width;
  const parser = await sessions.create(parserFile);
  // progress on stderr (stdout is the JSON): a full run takes many minutes
  const progress = (message: string) => console.error(`eval:parts ${((Date.now() - started) / 1000).toFixed(0)} s: ${message}`);
  const samples = await generateSamples(generator, layer.id, opts.samples, opts.seed, parser, parserSide);
  progress(`${samples.count} samples generated and parsed`);
  const classes = evaluation.classes;
  const classIndex = (name: string) => classes.findIndex((c) => c.startsWith(name));
  const layoutClasses = { skin: classIndex("skin"), eyes: classIndex("eye"), mouth: classIndex("mouth") };
  const layoutOf = (labels: Uint8Array[]) => {
    const verdicts = labels.map((l) => checkLayout(l, image.width, image.height, layoutClasses));
    const failures = verdicts.filter((v) => !v.ok).reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.reason]: (acc[v.reason] ?? 0) + 1 }), {});
    return { passRate: +(verdicts.filter((v) => v.ok).length / verdicts.length).toFixed(4), failures };
  };
  // Parts are fitted on the generator's real distribution (ψ = 1); what users see is ψ = default.
  const defaultTruncation = generator.defaultTruncation();
  const layout = {
    [`truncation ${defaultTruncation} (the product's default)`]: layoutOf((await generateSamples(generator, layer.id, opts.samples, opts.seed + 1, parser, parserSide, defaultTruncation)).labels),
    "truncation 1 (the samples the parts are fitted on)": layoutOf(samples.labels),
  };

  const source = inMemoryFeatures(samples.features, { channels, height, width }, samples.count);
  const { factors, report } = await decompose(source, { parts: k, appearances: channels, solver: "fast", seed: opts.seed }, sessions);
  // the parts' directions, kept with the factors as a fit on the server keeps them (refinement assigns positions to them)
  factors.partCentres = (await collectStatistics(source, factors, { backend: ortBackendFor(sessions) })).partCentres;
  progress(`PandA fitted (${report.seconds.toFixed(1)} s); baselines next`);
  const backend = ortBackendFor(sessions);
  const vectors = featureVectors(samples.features, samples.count, channels, positions);
  const globalScores = partScores(factors.parts, k, positions);
  const methods: Record<string, (i: number) => Promise<Float32Array> | Float32Array> = {
    pandaGlobal: () => globalScores,
    pandaRefined: async (i) =>
      partScores(await refineParts(samples.features.subarray(i * channels * positions, (i + 1) * channels * positions), factors, { method: opts.refineMethod, iterations: opts.refineIterations }, sessions), k, positions),
  };
  const kmeansMaps = toScoreMaps(await sphericalKMeans(vectors, k, opts.seed, backend), samples.count, positions);
  const nmfMaps = toScoreMaps(await nmf(vectors, k, opts.seed, backend), samples.count, positions);
  const pcaMaps = toScoreMaps(await pca(vectors, k, backend), samples.count, positions);
  methods.sphericalKMeans = (i) => kmeansMaps[i];
  methods.nmf = (i) => nmfMaps[i];
  methods.pca = (i) => pcaMaps[i];

  const sheetRows = Math.min(6, samples.count);
  const cells: RgbaImage[][] = Array.from({ length: sheetRows }, (_, i) => [samples.images[i], labelImage(samples.labels[i], image.width, image.height)]);
  const sheetColumns = ["sample", "parser labels"];
  const tolerance: number = opts.boundaryTolerance ?? Math.max(1, Math.round(image.width / 100));
  type Scores = { meanIoU: number; boundaryF: number; perClass: Record<string, number | null> };
  const perMethod: Record<string, Record<Upsampling, Scores>> = {};
  const upsamplers = samples.images.map((img) => new MapUpsampler(img));
  for (const [name, scoresOf] of Object.entries(methods)) {
    progress(`scoring ${name}`);
    const scores = await Promise.all(Array.from({ length: samples.count }, (_, i) => scoresOf(i)));
    perMethod[name] = {} as Record<Upsampling, Scores>;
    for (const upsampling of UPSAMPLINGS) {
      const table = new IouTable(classes.length, k);
      // refined parts are fitted to each image's colours after upsampling, as the server does (ImageParts.partMaps)
      const joint = name === "pandaRefined" && opts.colourFit ? (i: number) => (maps: Plane[]) => fitPartsToColours(samples.images[i], maps) : () => undefined;
      const assigned = scores.map((sc, i) => assignParts(sc, k, { width, height }, image, (m) => upsamplers[i].upsample(m, upsampling), joint(i)));
      assigned.forEach((a, i) => table.add(samples.labels[i], a));
      // boundaries of the parts named by their majority class, against the classes' boundaries
      const named = table.partClasses();
      const boundary = new BoundaryScore(image, tolerance);
      assigned.forEach((a, i) => boundary.add(samples.labels[i], a.map((part) => named[part])));
      const best = table.bestMatches();
      const present = best.filter((b): b is { iou: number; part: number } => b !== null);
      perMethod[name][upsampling] = {
        meanIoU: +(present.reduce((a, b) => a + b.iou, 0) / present.length).toFixed(4),
        boundaryF: +boundary.result().f.toFixed(4),
        perClass: Object.fromEntries(classes.map((c, j) => [c, best[j] ? +best[j]!.iou.toFixed(4) : null])),
      };
      if (upsampling === "edge-aware" || (upsampling === "bilinear" && name === "pandaGlobal")) {
        sheetColumns.push(`${name} (${upsampling})`);
        for (let i = 0; i < sheetRows; i++) cells[i].push(labelImage(assigned[i].map((v) => v + 1), image.width, image.height));
      }
    }
  }
  progress("edit locality (ROIR)");
  const roir = await editLocality(generator, layer.id, factors, samples, Math.min(opts.editSamples, samples.count));
  const validRoir = roir.filter((r) => Number.isFinite(r.roir));

  mkdirSync(opts.out, { recursive: true });
  const sheetName = `eval-parts-${layer.id}.png`;
  writeFileAtomic(join(opts.out, sheetName), encodePng(contactSheet(cells, image.width >= 128 ? 1 : 2)));
  const result = {
    eval: "parts",
    model: generator.id,
    layer: layer.id,
    samples: samples.count,
    parts: k,
    seed: opts.seed,
    image: `${image.width}×${image.height}`,
    parserInput: `${parserSide}×${parserSide}`,
    refine: { method: opts.refineMethod, iterations: opts.refineIterations, colourFit: opts.colourFit ? COLOUR_FIT_DEFAULTS : false },
    boundaryTolerancePixels: tolerance,
    panda: { solver: report.solver, objective: report.objective, relativeObjective: report.relativeObjective, seconds: report.seconds },
    meanIoU: Object.fromEntries(Object.entries(perMethod).map(([m, v]) => [m, Object.fromEntries(UPSAMPLINGS.map((u) => [u, v[u].meanIoU]))])),
    boundaryF: Object.fromEntries(Object.entries(perMethod).map(([m, v]) => [m, Object.fromEntries(UPSAMPLINGS.map((u) => [u, v[u].boundaryF]))])),
    perClassIoUEdgeAware: Object.fromEntries(classes.map((c) => [c, Object.fromEntries(Object.entries(perMethod).map(([m, v]) => [m, v["edge-aware"].perClass[c]]))])),
    roir: { perPart: roir.map((r) => ({ ...r, roir: +r.roir.toFixed(4) })), mean: +(validRoir.reduce((a, b) => a + b.roir, 0) / validRoir.length).toFixed(4) },
    layout,
    contactSheet: sheetName,
    contactSheetColumns: sheetColumns,
    seconds: (Date.now() - started) / 1000,
  };
  const json = JSON.stringify(result, null, 2);
  const jsonName = `eval-parts-${layer.id}.json`;
  writeFileAtomic(join(opts.out, jsonName), json + "\n");
  if (opts.updateCard) {
    for (const name of [jsonName, sheetName]) copyFileSync(join(opts.out, name), join(generator.bundle.dir, name));
    if (generator.manifest.card) updateCardTable(join(generator.bundle.dir, generator.manifest.card), result);
  }
  console.log(json);
  await registry.close();
}

main().catch((err) => {
  console.error(`eval:parts: ${(err as Error).message}`);
  process.exit(1);
});
