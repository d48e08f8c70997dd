/**
 * The standalone site: the web editor whose panel runs the default model in the browser, as
 * static files any file server can serve (no companion server, no install).
 *
 *   npm run build:static [-- --model synthfaces --out dist/static]
 *
 * Writes <out>/: the editor (webpack, `--env static`), ort/ (ONNX Runtime Web's WebAssembly and
 * WebGPU builds, copied from node_modules: nothing is fetched from a CDN), models/<id>/ (model.json,
 * every layer's head, tail and draft tail, shared weights, the shipped factorisations) and panda-site.json
 * listing them with sizes and hashes. Prints the sizes as JSON.
 */
import { Command } from "commander";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { DEFAULT_MODELS_DIR, PACKAGE_ROOT } from "../companion-server/src/cli/paths";
import { parseBundleManifest } from "../companion-server/src/runtime/bundle-manifest";
import { writeFileAtomic } from "../companion-server/src/util/atomic-write";
import { draftAtImageSize } from "../companion-server/src/onnx/resize-graph";
import { ORT_FILES } from "../plugin/src/engine/ort-web";
import { SITE_FILE, SITE_FORMAT, SiteFile, SiteManifest, SiteModel } from "../plugin/src/engine/static-site";

const ORT_FOLDER = "ort/";
/** the files of a saved factorisation the page reads (contact sheet: shown when present) */
const FACTORISATION_FILES = ["meta.json", "parts.npy", "appearances.npy", "contact-sheet.png"];

export interface StaticSiteOptions {
  model: string;
  modelsDir: string;
  out: string;
}

function describe(bytes: Uint8Array): SiteFile {
  return { bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Copies `from` to <out>/<to> and records it in `files`. */
function place(files: Record<string, SiteFile>, out: string, from: string, to: string): void {
  if (!existsSync(from)) throw new Error(`${from} is missing; the site needs it`);
  mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
  copyFileSync(from, path.join(out, to));
  files[to] = describe(readFileSync(from));
}

/** Writes `bytes` (a file made from the bundle's) to <out>/<to> and records it in `files`. */
function placeMade(files: Record<string, SiteFile>, out: string, bytes: Uint8Array, to: string): void {
  mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
  writeFileAtomic(path.join(out, to), bytes);
  files[to] = describe(bytes);
}

/** ONNX Runtime Web's builds, from the installed package (a CI without network has them too). */
function copyOrt(files: Record<string, SiteFile>, out: string): void {
  // the package exports no package.json; its main file (for Node) sits in dist/ beside the browser builds
  const dist = path.dirname(require.resolve("onnxruntime-web"));
  for (const build of Object.values(ORT_FILES)) for (const file of [build.script, build.wasm, build.loader]) place(files, out, path.join(dist, file), ORT_FOLDER + file);
}

export function copyBundle(files: Record<string, SiteFile>, out: string, modelsDir: string, id: string): SiteModel {
  const dir = path.join(modelsDir, id);
  const manifestFile = path.join(dir, "model.json");
  if (!existsSync(manifestFile)) throw new Error(`no bundle "${id}" in ${modelsDir} (model.json not found)`);
  const manifest = parseBundleManifest(JSON.parse(readFileSync(manifestFile, "utf8")));
  const target = `models/${manifest.id}/`;
  place(files, out, manifestFile, target + "model.json");
  for (const layer of manifest.layers) {
    for (const graph of [layer.head, layer.tail]) place(files, out, path.join(dir, graph), target + graph);
    // the live preview's draft tail, already scaled up to the image size as the server runs it (one ONNX run per draft frame in the page too)
    if (layer.draft) placeMade(files, out, draftAtImageSize(readFileSync(path.join(dir, layer.draft)), manifest.image), target + layer.draft);
  }
  if (manifest.weights) place(files, out, path.join(dir, manifest.weights), target + manifest.weights);
  const factorisationsDir = path.join(dir, "factorisations");
  const factorisations = existsSync(factorisationsDir) ? readdirSync(factorisationsDir).filter((name) => existsSync(path.join(factorisationsDir, name, "meta.json"))).sort() : [];
  for (const f of factorisations)
    for (const file of FACTORISATION_FILES) {
      const from = path.join(factorisationsDir, f, file);
      if (existsSync(from) || file !== "contact-sheet.png") place(files, out, from, `${target}factorisations/${f}/${file}`);
    }
  return { id: manifest.id, path: target, layers: manifest.layers.map((l) => l.id), factorisations };
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? folderBytes(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size), 0);
}

export function buildStaticSite(options: StaticSiteOptions): SiteManifest {
  const out = path.resolve(options.out);
  // the editor itself (webpack cleans <out>: a stale file never lingers)
  execFileSync(process.execPath, [require.resolve("webpack-cli/bin/cli.js"), "--config", path.join(PACKAGE_ROOT, "plugin", "webpack", "web.config.js"), "--env", "static", "--output-path", out], { cwd: PACKAGE_ROOT, stdio: "pipe" });
  const files: Record<string, SiteFile> = {};
  copyOrt(files, out);
  const model = copyBundle(files, out, options.modelsDir, options.model);
  const site: SiteManifest = { format: SITE_FORMAT, ort: ORT_FOLDER, models: [model], files };
  writeFileAtomic(path.join(out, SITE_FILE), JSON.stringify(site, null, 2) + "\n");
  return site;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("build:static")
    .description("write the standalone web editor, which runs the model in the browser")
    .option("--model <id>", "the bundle to ship", "synthfaces")
    .option("--models <dir>", "the folder of bundles", DEFAULT_MODELS_DIR)
    .option("--out <dir>", "where to write the site", path.join(PACKAGE_ROOT, "dist", "static"))
    .parse();
  const opts = program.opts<{ model: string; models: string; out: string }>();
  const site = buildStaticSite({ model: opts.model, modelsDir: opts.models, out: opts.out });
  const sum = (prefix: string) => Object.entries(site.files).filter(([p]) => p.startsWith(prefix)).reduce((s, [, f]) => s + f.bytes, 0);
  const model = site.models[0];
  const manifest = parseBundleManifest(JSON.parse(readFileSync(path.join(opts.models, opts.model, "model.json"), "utf8")));
  const layer = manifest.layers.find((l) => l.default) ?? manifest.layers[0];
  const firstVisit = [layer.head, layer.tail, ...(layer.draft ? [layer.draft] : []), "model.json", ...(manifest.weights ? [manifest.weights] : [])].map((f) => model.path + f);
  const drafts = manifest.layers.flatMap((l) => (l.draft ? [site.files[model.path + l.draft].bytes] : [])).reduce((a, b) => a + b, 0);
  const factorisationBytes = Object.entries(site.files).filter(([p]) => p.includes(`/factorisations/${model.id}-${layer.id}/`) && !p.endsWith(".png")).reduce((s, [, f]) => s + f.bytes, 0);
  const build = (b: keyof typeof ORT_FILES) => Object.values(ORT_FILES[b]).reduce((s, f) => s + site.files[ORT_FOLDER + f].bytes, 0);
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  const total = folderBytes(path.resolve(opts.out));
  const editor = total - sum(ORT_FOLDER) - sum("models/");
  console.log(
    JSON.stringify(
      {
        out: path.resolve(opts.out),
        model: model.id,
        layers: model.layers,
        factorisations: model.factorisations,
        sizesMB: {
          site: mb(total),
          ortWasmBuild: mb(build("wasm")),
          ortWebGpuBuild: mb(build("webgpu")),
          model: mb(sum(model.path)),
          modelDraftTails: mb(drafts),
          editor: mb(editor),
          firstVisitWithoutGpu: mb(editor + build("wasm") + firstVisit.reduce((s, p) => s + site.files[p].bytes, 0) + factorisationBytes),
        },
        try: `npm run serve:static, then open http://127.0.0.1:8720/ (or any static file server on ${path.relative(process.cwd(), path.resolve(opts.out)) || "."})`,
      },
      null,
      2,
    ),
  );
}

if (require.main === module)
  main().catch((err: Error) => {
    console.error(`build:static: ${err.message}`);
    process.exit(1);
  });
