/**
 * Loads generator bundles from folders: validates the manifest and checks each ONNX file's
 * declared inputs and outputs against it, so a broken bundle is reported at start with its file.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { BundleManifest, LayerSpec, parseBundleManifest } from "./bundle-manifest";
import { ModelSignature, ValueSignature, readModelSignature } from "../onnx/model-signature";

export class BundleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export interface LoadedBundle {
  dir: string;
  manifest: BundleManifest;
}

function dimsMatch(actual: (number | null)[], expected: number[]): boolean {
  // The batch axis is dynamic or any size; the rest must agree where the file fixes them.
  return actual.length === expected.length + 1 && expected.every((d, i) => actual[i + 1] === null || actual[i + 1] === d);
}

function describeDims(dims: (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? "N" : d)).join(", ")}]`;
}

function expectValue(file: string, values: ValueSignature[], kind: string, name: string, dims: number[]): void {
  const v = values.find((x) => x.name === name);
  if (!v) throw new BundleLoadError(file, `missing ${kind} "${name}" (has ${values.map((x) => x.name).join(", ") || "none"})`);
  if (!dimsMatch(v.dims, dims))
    throw new BundleLoadError(file, `${kind} "${name}" has shape ${describeDims(v.dims)}, the manifest says [N, ${dims.join(", ")}]`);
}

/**
 * The graph's external data must lie in the bundle's shared weights file (manifest `weights`), inside
 * its bounds: a truncated or missing weights file is reported here, not as a failed session later.
 */
function checkExternalData(file: string, signature: ModelSignature, dir: string, weights: string | undefined): void {
  if (signature.external.length === 0) return;
  const weightsFile = weights === undefined ? undefined : resolve(dir, weights);
  for (const t of signature.external) {
    const location = resolve(dirname(file), t.location);
    if (location !== weightsFile)
      throw new BundleLoadError(file, `tensor "${t.tensor}" is stored in "${t.location}", not in the bundle's weights file${weights === undefined ? " (model.json names none)" : ` "${weights}"`}`);
    const size = statSync(location).size;
    const end = t.offset + (t.length ?? 0);
    if (!Number.isSafeInteger(end) || t.offset < 0 || end > size)
      throw new BundleLoadError(location, `tensor "${t.tensor}" of ${basename(file)} needs bytes ${t.offset}–${end}, the file has ${size} (truncated?)`);
  }
}

/** A draft tail takes the tail's inputs and returns the image at most at the image's size (scaled up when used). */
function checkDraft(file: string, layer: LayerSpec, manifest: BundleManifest, aux: readonly { name: string; shape: number[] }[]): void {
  const draft = signatureOf(file);
  if (draft.external.length > 0) throw new BundleLoadError(file, "a draft tail must hold its own weights");
  expectValue(file, draft.inputs, "input", "features", layer.shape);
  for (const a of aux) expectValue(file, draft.inputs, "input", a.name, a.shape);
  const { channels, width, height } = manifest.image;
  const image = draft.outputs.find((v) => v.name === "image");
  const [, c, h, w] = image?.dims ?? [];
  if (!image || image.dims.length !== 4 || c !== channels || !h || !w || h > height || w > width)
    throw new BundleLoadError(file, `output "image" must be [N, ${channels}, h, w] with h ≤ ${height} and w ≤ ${width} (has ${image ? describeDims(image.dims) : "none"})`);
}

function signatureOf(file: string): ModelSignature {
  if (!existsSync(file)) throw new BundleLoadError(file, "file not found");
  try {
    return readModelSignature(file);
  } catch (err) {
    throw new BundleLoadError(file, `not a readable ONNX model (${(err as Error).message})`);
  }
}

export function loadBundle(dirPath: string): LoadedBundle {
  const dir = resolve(dirPath);
  const manifestFile = join(dir, "model.json");
  if (!existsSync(manifestFile)) throw new BundleLoadError(manifestFile, "file not found");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestFile, "utf8"));
  } catch (err) {
    throw new BundleLoadError(manifestFile, `bad JSON (${(err as Error).message})`);
  }
  let manifest: BundleManifest;
  try {
    manifest = parseBundleManifest(json);
  } catch (err) {
    throw new BundleLoadError(manifestFile, (err as Error).message);
  }
  const aux = manifest.auxiliary ?? [];
  if (manifest.weights !== undefined && !existsSync(join(dir, manifest.weights))) throw new BundleLoadError(join(dir, manifest.weights), "file not found");
  const { width, height, channels } = manifest.image;
  for (const layer of manifest.layers) {
    const headFile = join(dir, layer.head);
    const head = signatureOf(headFile);
    checkExternalData(headFile, head, dir, manifest.weights);
    expectValue(headFile, head.inputs, "input", "z", [manifest.latent.size]);
    if (manifest.truncation.method === "input") {
      if (!head.inputs.some((v) => v.name === "truncation")) throw new BundleLoadError(headFile, 'missing input "truncation" (truncation.method is "input")');
    }
    expectValue(headFile, head.outputs, "output", "features", layer.shape);
    for (const a of aux) expectValue(headFile, head.outputs, "output", a.name, a.shape);

    const tailFile = join(dir, layer.tail);
    const tail = signatureOf(tailFile);
    checkExternalData(tailFile, tail, dir, manifest.weights);
    expectValue(tailFile, tail.inputs, "input", "features", layer.shape);
    for (const a of aux) expectValue(tailFile, tail.inputs, "input", a.name, a.shape);
    expectValue(tailFile, tail.outputs, "output", "image", [channels, height, width]);
    if (layer.draft !== undefined) checkDraft(join(dir, layer.draft), layer, manifest, aux);
  }
  if (manifest.evaluation && !existsSync(join(dir, manifest.evaluation.parser)))
    throw new BundleLoadError(join(dir, manifest.evaluation.parser), "file not found");
  return { dir, manifest };
}

export interface BundleScan {
  bundles: LoadedBundle[];
  failures: BundleLoadError[];
}

/** Every sub-folder holding a model.json is a bundle; one broken bundle never stops the others. */
export function scanBundles(roots: string[]): BundleScan {
  const scan: BundleScan = { bundles: [], failures: [] };
  const seen = new Set<string>();
  for (const root of roots) {
    if (!existsSync(root)) continue;
    const candidates = existsSync(join(root, "model.json"))
      ? [root]
      : readdirSync(root)
          .map((name) => join(root, name))
          .filter((p) => statSync(p).isDirectory() && existsSync(join(p, "model.json")));
    for (const dir of candidates) {
      try {
        const bundle = loadBundle(dir);
        if (seen.has(bundle.manifest.id)) throw new BundleLoadError(join(dir, "model.json"), `model id "${bundle.manifest.id}" is already loaded from another folder`);
        seen.add(bundle.manifest.id);
        scan.bundles.push(bundle);
      } catch (err) {
        scan.failures.push(err instanceof BundleLoadError ? err : new BundleLoadError(dir, (err as Error).message));
      }
    }
  }
  return scan;
}
