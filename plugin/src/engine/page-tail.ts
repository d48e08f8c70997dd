/**
 * The live preview rendered by the tail worker: per image and factorisation the worker gets, once,
 * the image's features at the factorisation's layer, the factorisation's P and A and, for edits
 * with `refine` (the panel's), the parts refined for this image — the parts its masks follow, so a
 * frame moves the features where the mask lets them show —, and per model the tail and draft
 * graphs; it then renders every slider step — Z', the tail, RGBA — off the page's main thread.
 * Two sources feed it (TailInputs): a companion server holding the image (the "server + page tail"
 * mode: features, factors and refined parts fetched as float32 .npy, graphs cached by content hash
 * like the static site's files), and the in-browser engine, which has them in the page already.
 *
 * Which models go local (with a server): the page has WebAssembly and workers, the user's limit is not 0, the
 * layer's tail and draft together are at most the limit (64 MB by default; SynthFaces 8×8: 3.6 MB),
 * and the bundle keeps no separate weights file. Everything else, and any failure while loading,
 * leaves the frames to the server.
 */
import type { EditRequest } from "@server-api/image-parts";
import type { HttpPandaClient } from "../client/http-client";
import type { LocalPreview, LocalPreviewStatus, PreviewImage } from "../model/local-preview";
import { parseNpy, toFloat32 } from "../../../companion-server/src/engine/io/npy-parse";
import { BundleManifest, LayerSpec, parseBundleManifest } from "../../../companion-server/src/runtime/bundle-manifest";
import type { Factors } from "../../../companion-server/src/engine/panda/types";
import { toFeatureStrengths } from "@server-api/strength";
import { BundleFiles } from "./bundle-files";
import { once } from "./once";
import { TailWorker } from "./tail-worker-client";
import type { ImageSpec } from "./tail-worker-protocol";

/** One image's tail inputs at a layer (the worker takes them over: give copies of what is kept). */
export interface TailFeatures {
  features: Float32Array;
  auxiliary: { name: string; shape: number[]; data: Float32Array }[];
}

/** What the worker renders from, wherever it comes from. */
export interface TailInputs {
  /** the model's manifest (with the drafts the worker may run) and its graphs' bytes and sizes */
  model(id: string): Promise<ModelTail>;
  /** the factorisation's layer, strength scales and factors (copies); `key` changes when it is refitted */
  factorisation(id: string): Promise<{ key: string; layer: string; scales: number[]; factors: Factors }>;
  features(image: PreviewImage, layer: LayerSpec, manifest: BundleManifest): Promise<TailFeatures>;
  /** the factorisation's parts refined for the image (S·R_S, a copy), as the source's edits with `refine` use them */
  refinedParts(image: PreviewImage, factorisation: string): Promise<Float32Array>;
}

export interface PageTailOptions {
  inputs: TailInputs;
  /** the tail worker's script (tail-worker.js beside the editor) */
  workerUrl: string;
  /** ONNX Runtime Web's WebAssembly build, a folder URL ending in "/" */
  ortUrl: string;
  /** the largest tail (with its draft) rendered here, in bytes; 0: never */
  limitBytes: number;
  onStatus?: (status: LocalPreviewStatus) => void;
}

/** Why a model stays on the server: a refusal, not a failure. */
export class StaysOnServer extends Error {}

export interface ModelTail {
  manifest: BundleManifest;
  /** a graph's bytes by its path in the bundle */
  graph(path: string): Promise<Uint8Array>;
  sizes: Record<string, { bytes: number; sha256: string }>;
}

interface Scene {
  layer: LayerSpec;
  imageKey: string;
  factorsKey: string;
  tailKey: string;
  draftKey: string | null;
  /** the worker's key of the parts refined for this image; null: the factorisation's global parts */
  partsKey: string | null;
  scales: number[];
  spec: ImageSpec;
}

export class PageTail implements LocalPreview {
  private worker: Promise<TailWorker> | null = null;
  private readonly models = new Map<string, Promise<ModelTail>>();
  private readonly graphs = new Map<string, Promise<void>>();
  private readonly scenes = new Map<string, Promise<Scene>>();
  /** settled scenes, so a render never waits for one still loading */
  private readonly ready = new Map<string, Scene>();
  private disposed = false;

  constructor(private readonly options: PageTailOptions) {}

  /** Whether this page can run a tail at all (WebAssembly, workers, a limit above 0). */
  static supported(limitBytes: number): boolean {
    return limitBytes > 0 && typeof WebAssembly === "object" && typeof Worker === "function";
  }

  prepare(image: PreviewImage, factorisation: string, options: { refine?: boolean } = {}): void {
    void this.scene(image, factorisation, options.refine ?? false).catch(() => undefined);
  }

  async render(image: PreviewImage, request: EditRequest, draft: boolean): Promise<{ width: number; height: number; rgba: Uint8Array; draft: boolean } | null> {
    if (this.disposed) return null;
    const refine = request.refine ?? false;
    const key = sceneKey(image, request.factorisation, refine);
    const scene = this.ready.get(key);
    if (!scene) {
      this.prepare(image, request.factorisation, { refine });
      return null;
    }
    const useDraft = draft && scene.draftKey !== null;
    try {
      const worker = await this.startWorker();
      const answer = await worker.render({
        kind: "render",
        graph: useDraft ? (scene.draftKey as string) : scene.tailKey,
        image: scene.imageKey,
        factors: scene.factorsKey,
        ...(scene.partsKey ? { parts: scene.partsKey } : {}),
        edits: toFeatureStrengths(request.edits, scene.scales),
        spec: scene.spec,
      });
      return { width: answer.width, height: answer.height, rgba: answer.rgba, draft: useDraft };
    } catch (err) {
      // a worker that fails mid-drag: the server renders from now on
      this.ready.delete(key);
      this.scenes.set(key, Promise.reject(err));
      this.report({ where: "server", reason: `the page could not render the preview (${(err as Error).message})` });
      return null;
    }
  }

  dispose(): void {
    this.disposed = true;
    void this.worker?.then((w) => w.terminate(), () => undefined);
  }

  // ── internals ─────────────────────────────────────────────────────────────

  private report(status: LocalPreviewStatus): void {
    if (!this.disposed) this.options.onStatus?.(status);
  }

  private scene(image: PreviewImage, factorisation: string, refine: boolean): Promise<Scene> {
    const key = sceneKey(image, factorisation, refine);
    return once(this.scenes, key, async () => {
      this.report({ where: "loading", reason: null });
      try {
        const scene = await this.loadScene(image, factorisation, refine);
        this.ready.set(key, scene);
        this.report({ where: "page", reason: null });
        return scene;
      } catch (err) {
        const reason = err instanceof StaysOnServer ? err.message : `the page could not load the model's tail (${(err as Error).message})`;
        this.report({ where: "server", reason });
        // a refusal or failure is kept: the server renders this image's previews
        this.scenes.set(key, Promise.reject(err));
        throw err;
      }
    });
  }

  private async loadScene(image: PreviewImage, factorisationId: string, refine: boolean): Promise<Scene> {
    const { inputs } = this.options;
    // the source refines the parts once per image (the server may be at it already, for the part's mask): asked for first
    const [model, f, refined] = await Promise.all([
      once(this.models, image.model, () => inputs.model(image.model)),
      inputs.factorisation(factorisationId),
      refine ? inputs.refinedParts(image, factorisationId) : null,
    ]);
    const layer = model.manifest.layers.find((l) => l.id === f.layer);
    if (!layer) throw new StaysOnServer(`model "${image.model}" has no layer "${f.layer}"`);
    const graphs = [layer.tail, ...(layer.draft ? [layer.draft] : [])];
    const bytes = graphs.reduce((sum, g) => sum + (model.sizes[g]?.bytes ?? Infinity), 0);
    if (bytes > this.options.limitBytes) throw new StaysOnServer(`the tail of ${image.model} ${layer.id} is ${mb(bytes)} MB, over this panel's limit of ${mb(this.options.limitBytes)} MB for previews in the page`);
    const worker = await this.startWorker();
    const graphKey = (g: string) => `${image.model}/${g}@${model.sizes[g].sha256}`;
    await Promise.all(graphs.map((g) => once(this.graphs, graphKey(g), async () => void (await worker.call({ kind: "graph", key: graphKey(g), bytes: await model.graph(g) })))));
    await once(this.graphs, `factors:${f.key}`, () => worker.call({ kind: "factors", key: f.key, factors: f.factors }).then(() => undefined));
    const imageKey = `${image.id}/${layer.id}`;
    await once(this.graphs, `image:${imageKey}`, async () => {
      const { features, auxiliary } = await inputs.features(image, layer, model.manifest);
      await worker.call({ kind: "image", key: imageKey, shape: [1, ...layer.shape], features, auxiliary }, [features.buffer, ...auxiliary.map((a) => a.data.buffer)]);
    });
    // the parts this image's masks follow, which the edits then move
    let partsKey: string | null = null;
    if (refined) {
      if (refined.length !== f.factors.parts.length) throw new Error(`the refined parts have ${refined.length} values; the factorisation's parts have ${f.factors.parts.length}`);
      const key = (partsKey = `${imageKey}|${f.key}`);
      await once(this.graphs, `parts:${key}`, () => worker.call({ kind: "parts", key, image: imageKey, parts: refined }, [refined.buffer]).then(() => undefined));
    }
    const m = model.manifest.image;
    const scene: Scene = {
      layer,
      imageKey,
      factorsKey: f.key,
      tailKey: graphKey(layer.tail),
      draftKey: layer.draft ? graphKey(layer.draft) : null,
      partsKey,
      scales: f.scales,
      spec: { channels: m.channels, width: m.width, height: m.height, range: [m.range[0], m.range[1]] },
    };
    // ONNX Runtime's first run of a session is several times slower than the next: run each graph once now, not on the drag's first frame
    for (const graph of [scene.draftKey, scene.tailKey]) if (graph) await once(this.graphs, `warm:${graph}`, () => worker.render({ kind: "render", graph, image: imageKey, factors: f.key, edits: [], spec: scene.spec }).then(() => undefined));
    return scene;
  }

  private startWorker(): Promise<TailWorker> {
    if (!this.worker) {
      this.worker = TailWorker.start(this.options.workerUrl, this.options.ortUrl);
      this.worker.catch(() => (this.worker = null));
    }
    return this.worker;
  }
}

/** The inputs from a companion server: its model files, the image's features and the factors as .npy. */
export function serverTailInputs(client: HttpPandaClient): TailInputs {
  const factorisations = new Map<string, Promise<{ key: string; layer: string; scales: number[]; factors: Factors }>>();
  return {
    async model(id) {
      const listing = await client.modelFiles(id);
      const files = new BundleFiles({ siteUrl: client.modelFilesUrl(id), files: listing.files, fetch: client.fetchWithToken });
      void files.pruneStale().catch(() => undefined);
      const manifest = parseBundleManifest(await files.json("model.json"));
      if (manifest.weights) throw new StaysOnServer(`model "${id}" keeps its weights in a separate file; its previews are rendered by the server`);
      return { manifest, graph: (path) => files.bytes(path), sizes: listing.files };
    },
    // the worker keeps the factors: fetched once per factorisation, handed over once
    factorisation: (id) =>
      once(factorisations, id, async () => {
        const [f, parts, appearances] = await Promise.all([client.factorisation(id), client.factorFile(id, "parts.npy"), client.factorFile(id, "appearances.npy")]);
        const factors: Factors = { shape: f.shape, partsRank: f.ranks.parts, appearancesRank: f.ranks.appearances, parts: toFloat32(parseNpy(parts)), appearances: toFloat32(parseNpy(appearances)) };
        return { key: `${f.id}@${f.createdAt}`, layer: f.layer, scales: f.strengthScales, factors };
      }),
    async features(image, layer, manifest) {
      const features = toFloat32(parseNpy(await client.imageFeatures(image.id, layer.id)));
      const auxiliary = await Promise.all((manifest.auxiliary ?? []).map(async (a) => ({ name: a.name, shape: [1, ...a.shape], data: toFloat32(parseNpy(await client.imageFeatures(image.id, layer.id, a.name))) })));
      return { features, auxiliary };
    },
    refinedParts: async (image, factorisation) => toFloat32(parseNpy(await client.refinedParts(image.id, factorisation))),
  };
}

function sceneKey(image: PreviewImage, factorisation: string, refine: boolean): string {
  return `${image.id}|${factorisation}|${refine ? "refined" : "global"}`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
