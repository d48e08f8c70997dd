/**
 * The PandaClient that needs no server: the shipped model runs in the page on ONNX Runtime Web,
 * and every PandA computation — part maps and masks (edge-aware upsampling), saliency, edits,
 * removal, and the parts refined for one image (clusterRefinedParts) — is the server's own code
 * (ImageParts and the imaging modules), so both engines give the same pixels. What only the server can do (discovering parts, other models, GPUs through
 * CUDA/DirectML) is refused with a message saying how to start it.
 */
import type { GrayImage, PixelImage } from "../hosts/host";
import type { AppearanceBrowser, AppearanceBrowserRequest, EditRequest, MaskRequest, RemovalRequest } from "@server-api/image-parts";
import type { FactorisationListQuery, NotesPatchRequest } from "@server-api/factorisations";
import type { CreateFactorisationRequest, FactorisationDetail, FactorisationSummary, GeneratedImage, GenerateRequest, Health, HeatMap, ImageInfo, JobRun, ModelInfo, PandaClient, PartThumbnails, SaliencySource } from "../client/client";
import { ClientError, needsServer } from "../client/errors";
import { BundleManifest, parseBundleManifest } from "../../../companion-server/src/runtime/bundle-manifest";
import { describeManifest } from "../../../companion-server/src/runtime/model-info";
import { MAX_SEED, sampleLatents } from "../../../companion-server/src/runtime/random";
import { parseFactorisationMeta } from "../../../companion-server/src/store/factorisation-meta";
import { savedFactorisation, SavedFactorisation } from "../../../companion-server/src/store/factorisation-factors";
import { describeMeta, summariseMeta } from "../../../companion-server/src/store/factorisation-description";
import { FactorIndexError, ImageParts } from "../../../companion-server/src/engine/panda/image-parts";
import { toGray8, SpatialMap } from "../../../companion-server/src/engine/panda/maps";
import { partColour } from "../../../companion-server/src/engine/panda/overlay";
import { clusterRefinedParts } from "../../../companion-server/src/engine/panda/cluster-parts";
import { coordinates } from "../../../companion-server/src/engine/panda/saliency";
import { PREVIEW_STRENGTH, toFeatureStrengths } from "@server-api/strength";
import { pngBase64 } from "../model/png-data-url";
import { BrowserGenerator, ImageFeatures } from "./browser-generator";
import type { BundleFiles } from "./bundle-files";
import { hasWebGpu, LoadedOrt } from "./ort-web";
import type { SiteManifest, SiteModel } from "./static-site";
import { once } from "./once";
import type { TailInputs } from "./page-tail";

/** Images kept for parts and edits (each holds its features and, once used, its part maps). */
const IMAGE_CAPACITY = 16;

interface BrowserImage {
  info: ImageInfo;
  image: PixelImage;
  /** features by layer id */
  features: Map<string, ImageFeatures>;
  /** ImageParts by factorisation id and "|refined" or "|global" */
  parts: Map<string, Promise<ImageParts>>;
}

export interface InBrowserClientOptions {
  /** the site root, absolute, ending in "/" (shown where the server's address would be) */
  siteUrl: string;
  site: SiteManifest;
  files: BundleFiles;
  /** ONNX Runtime Web, loaded on first use (the page is usable before its .wasm arrives) */
  ort: () => Promise<LoadedOrt>;
}

export class InBrowserPandaClient implements PandaClient {
  readonly serverUrl: string;
  private readonly started = Date.now();
  private readonly manifests = new Map<string, Promise<BundleManifest>>();
  private readonly generators = new Map<string, Promise<BrowserGenerator>>();
  private readonly factorisationsById = new Map<string, Promise<SavedFactorisation>>();
  private readonly images = new Map<string, BrowserImage>();
  private nextImage = 1;
  private backend: LoadedOrt["backend"] | null = null;

  constructor(private readonly options: InBrowserClientOptions) {
    this.serverUrl = options.siteUrl;
  }

  /** Where the model runs, in the words the connection line shows. */
  get engineLabel(): string {
    return this.backend === null ? "in this browser" : this.backend === "webgpu" ? "in this browser (WebGPU)" : "in this browser (WebAssembly)";
  }


  async health(): Promise<Health> {
    // before ONNX Runtime Web is loaded, the build it will load (WebGPU when the browser offers an adapter)
    this.backend ??= (await hasWebGpu()) ? "webgpu" : "wasm";
    return {
      status: "ok",
      version: "in-browser",
      device: { requested: this.backend, active: this.engineLabel, fallbackReason: null },
      models: this.options.site.models.length,
      brokenModels: [],
      uptimeSeconds: (Date.now() - this.started) / 1000,
    };
  }

  async models(): Promise<ModelInfo[]> {
    return Promise.all(this.options.site.models.map(async (m) => describeManifest(await this.manifestOf(m))));
  }

  async generate(request: GenerateRequest): Promise<GeneratedImage> {
    const generator = await this.generator(request.model);
    const m = generator.manifest;
    if (request.seed !== undefined && request.latent !== undefined) throw engineError("give either a seed or a latent, not both");
    if (request.latent !== undefined && request.latent.length !== m.latent.size) throw engineError(`the latent has ${request.latent.length} values; model "${m.id}" takes ${m.latent.size}`);
    const seed = request.latent !== undefined ? null : (request.seed ?? Math.floor(Math.random() * MAX_SEED));
    const latent = request.latent !== undefined ? Float32Array.from(request.latent) : sampleLatents(m.latent.distribution, m.latent.size, seed as number);
    const truncation = request.truncation ?? generator.defaultTruncation();
    const layer = this.siteModel(m.id).layers.find((id) => m.layers.find((l) => l.id === id)?.default) ?? this.siteModel(m.id).layers[0];
    const features = await generator.head(layer, latent, truncation);
    const image = await generator.tail(features);
    const id = `browser-${this.nextImage++}`;
    this.remember(id, {
      info: { id, model: m.id, seed, truncation, latent: Array.from(latent), width: image.width, height: image.height },
      image,
      features: new Map([[layer, features]]),
      parts: new Map(),
    });
    return { id, model: m.id, seed, image };
  }

  async imageInfo(imageId: string): Promise<ImageInfo> {
    return this.image(imageId).info;
  }

  async factorisations(query: FactorisationListQuery): Promise<FactorisationSummary[]> {
    const ids = this.options.site.models.filter((m) => query.model === undefined || m.id === query.model).flatMap((m) => m.factorisations);
    const all = await Promise.all(ids.map((id) => this.factorisationOf(id)));
    return all.filter((f) => query.layer === undefined || f.meta.layer === query.layer).map((f) => summariseMeta(f.meta, this.place(f)));
  }

  async factorisation(id: string): Promise<FactorisationDetail> {
    const f = await this.factorisationOf(id);
    return describeMeta(f.meta, this.place(f));
  }

  async deleteFactorisation(id: string): Promise<void> {
    throw engineError(`the parts "${id}" ship with the model and are read-only`);
  }

  async startFactorisation(_request: CreateFactorisationRequest): Promise<JobRun> {
    throw needsServer("Discovering parts");
  }

  async cancelJob(): Promise<void> {
    // no jobs run in the browser
  }

  async partThumbnails(imageId: string, factorisation: string, options: { refine?: boolean } = {}): Promise<PartThumbnails> {
    const ip = await this.imageParts(imageId, factorisation, options.refine);
    const coverage = ip.coverage();
    return {
      image: imageId,
      factorisation,
      width: ip.image.width,
      height: ip.image.height,
      parts: ip.thumbnails().map((thumb, index) => ({ index, colour: partColour(index), coverage: coverage[index], png: pngBase64(thumb) })),
    };
  }

  async partMask(imageId: string, request: MaskRequest): Promise<GrayImage> {
    if (request.threshold !== undefined && request.kind === "soft") throw engineError("threshold applies to binary masks only");
    const ip = await this.imageParts(imageId, request.factorisation, request.refine);
    return gray(indexed(() => ip.mask(request.parts, request.kind ?? "binary", { threshold: request.threshold, upsampling: request.upsampling, feather: request.feather })));
  }

  async saliencyHeat(imageId: string, source: SaliencySource): Promise<GrayImage> {
    const ip = await this.imageParts(imageId, source.factorisation);
    return gray(indexed(() => ip.saliency(source.appearance, source.upsampling).heat));
  }

  async saliencyHeatMap(imageId: string, source: SaliencySource): Promise<HeatMap> {
    const ip = await this.imageParts(imageId, source.factorisation);
    const { width, height, data } = indexed(() => ip.saliency(source.appearance, source.upsampling).heat);
    return { width, height, heat: data };
  }

  async saliencyMask(imageId: string, source: SaliencySource): Promise<GrayImage> {
    const ip = await this.imageParts(imageId, source.factorisation);
    return gray(indexed(() => ip.saliency(source.appearance, source.upsampling).mask));
  }

  /** As POST /edits answers the panel: the pixels only (no edited region), through the draft tail when asked and the site has one. */
  async edit(imageId: string, request: EditRequest): Promise<PixelImage & { draft: boolean }> {
    const ip = await this.imageParts(imageId, request.factorisation, request.refine);
    const f = await this.factorisationOf(request.factorisation);
    // as the server decides: a draft where the layer has a draft tail, else the full frame (and it says so)
    const draft = request.quality === "draft" && (await this.generator(f.meta.model as string)).layer(f.meta.layer as string).draft !== undefined;
    const image = await indexedAsync(() => ip.editedImage(toFeatureStrengths(request.edits, f.meta.strengthScales), undefined, { draft }));
    return { ...image, draft };
  }

  async updateNotes(_id: string, _patch: NotesPatchRequest): Promise<FactorisationSummary> {
    throw needsServer("Keeping names, labels and favourites");
  }

  /** The server's appearance browser, computed here with the same ImageParts (no cache beyond the image's). */
  async appearanceBrowser(imageId: string, request: AppearanceBrowserRequest): Promise<AppearanceBrowser> {
    const ip = await this.imageParts(imageId, request.factorisation, request.refine);
    const f = await this.factorisationOf(request.factorisation);
    const strength = request.strength ?? PREVIEW_STRENGTH;
    const ranking = indexed(() => ip.appearanceRanking(request.parts));
    const rankOf = new Map(ranking.map((r, rank) => [r.appearance, rank]));
    const offset = request.offset ?? 0;
    const page = request.appearances
      ? request.appearances.map((a) => indexed(() => (ip.checkAppearance(a), ranking[rankOf.get(a) as number])))
      : ranking.slice(offset, offset + (request.limit ?? 12));
    const previews = await indexedAsync(() => ip.appearancePreviews(request.parts, page.map((r) => ({ appearance: r.appearance, lambda: strength * f.meta.strengthScales[r.appearance] }))));
    return {
      image: imageId,
      factorisation: request.factorisation,
      parts: request.parts,
      strength,
      total: ranking.length,
      appearances: page.map((r, i) => {
        const { image, change } = previews[i];
        return { ...r, rank: rankOf.get(r.appearance) as number, preview: { png: pngBase64(image), width: image.width, height: image.height, change } };
      }),
    };
  }

  async removal(imageId: string, request: RemovalRequest): Promise<PixelImage> {
    if (request.fill !== undefined && request.method !== "pixel") throw engineError("fill applies to the pixel method only");
    const ip = await this.imageParts(imageId, request.factorisation, request.refine);
    const result = await indexedAsync(() => ip.remove(request.parts, request.method, { background: request.background, fill: request.fill, upsampling: request.upsampling }));
    return result.image;
  }

  /** Downloads and compiles the default model's default layer now, so the first click does not wait for it. */
  async prepare(): Promise<void> {
    const first = this.options.site.models[0];
    if (!first) return;
    const generator = await this.generator(first.id);
    await generator.prepare(first.layers[0]);
  }

  /**
   * What the tail worker renders the live preview from (page-tail.ts), out of this page: the
   * bundle's tails and drafts (build:static ships drafts scaled to the image size), the shipped
   * factors, the image's features and its refined parts (copies: the worker takes what it is given).
   */
  tailInputs(): TailInputs {
    return {
      model: async (id) => {
        const model = this.siteModel(id);
        const manifest = await this.manifestOf(model);
        const sizes = Object.fromEntries(Object.entries(this.options.site.files).filter(([path]) => path.startsWith(model.path)).map(([path, file]) => [path.slice(model.path.length), file]));
        return { manifest, graph: (path) => this.options.files.bytes(model.path + path), sizes };
      },
      factorisation: async (id) => {
        const f = await this.factorisationOf(id);
        return { key: id, layer: f.meta.layer as string, scales: f.meta.strengthScales, factors: { ...f.factors, parts: f.factors.parts.slice(), appearances: f.factors.appearances.slice() } };
      },
      features: async (image, layer) => {
        const features = await this.featuresAt(this.image(image.id), layer.id);
        const auxiliary = (await this.manifestOf(this.siteModel(image.model))).auxiliary ?? [];
        return { features: features.features.slice(), auxiliary: auxiliary.map((a) => ({ name: a.name, shape: [1, ...a.shape], data: features.auxiliary[a.name].slice() })) };
      },
      // the parts this page's masks and edits with `refine` use (built with refine, so they are there)
      refinedParts: async (image, factorisation) => (await this.imageParts(image.id, factorisation, true)).refinedParts!.slice(),
    };
  }

  // ── internals ─────────────────────────────────────────────────────────────

  /** The image's features at a layer: the head runs once per image and layer. */
  private async featuresAt(image: BrowserImage, layer: string): Promise<ImageFeatures> {
    let features = image.features.get(layer);
    if (!features) {
      const generator = await this.generator(image.info.model);
      features = await generator.head(layer, Float32Array.from(image.info.latent), image.info.truncation);
      image.features.set(layer, features);
    }
    return features;
  }

  private siteModel(id: string): SiteModel {
    const model = this.options.site.models.find((m) => m.id === id);
    if (!model) throw new ClientError("engine", `unknown model "${id}"; this page carries ${this.options.site.models.map((m) => `"${m.id}"`).join(", ")} (other models need the companion server)`, 404, "UNKNOWN_MODEL");
    return model;
  }

  private generator(id: string): Promise<BrowserGenerator> {
    const model = this.siteModel(id);
    return once(this.generators, id, () => this.openGenerator(model));
  }

  /** model.json, validated as the server does, with the layers this site carries. */
  private manifestOf(model: SiteModel): Promise<BundleManifest> {
    return once(this.manifests, model.id, async () => {
      let m: BundleManifest;
      try {
        m = parseBundleManifest(await this.options.files.json(`${model.path}model.json`));
      } catch (err) {
        throw engineError(`${model.path}model.json: ${(err as Error).message}`);
      }
      // a draft tail only where the site carries its file (sites built before drafts have none)
      const layers = m.layers.filter((l) => model.layers.includes(l.id)).map((l) => (l.draft !== undefined && !(model.path + l.draft in this.options.site.files) ? { ...l, draft: undefined } : l));
      return { ...m, layers: layers.some((l) => l.default) ? layers : layers.map((l, i) => ({ ...l, default: i === 0 })) };
    });
  }

  private async openGenerator(model: SiteModel): Promise<BrowserGenerator> {
    const manifest = await this.manifestOf(model);
    const ort = await this.options.ort();
    this.backend = ort.backend;
    return new BrowserGenerator(manifest, model.path, this.options.files, ort.ort, ort.executionProviders);
  }

  private factorisationOf(id: string): Promise<SavedFactorisation> {
    return once(this.factorisationsById, id, () => this.loadFactorisation(id));
  }

  private async loadFactorisation(id: string): Promise<SavedFactorisation> {
    const model = this.options.site.models.find((m) => m.factorisations.includes(id));
    if (!model) throw new ClientError("engine", `no factorisation "${id}" on this page (saved and discovered parts need the companion server)`, 404, "UNKNOWN_FACTORISATION");
    const dir = `${model.path}factorisations/${id}/`;
    const { files } = this.options;
    try {
      const [meta, parts, appearances] = await Promise.all([files.json(`${dir}meta.json`), files.bytes(`${dir}parts.npy`), files.bytes(`${dir}appearances.npy`)]);
      return savedFactorisation(parseFactorisationMeta(meta), parts, appearances);
    } catch (err) {
      throw engineError(`the parts "${id}" cannot be read: ${(err as Error).message}`);
    }
  }

  private place(f: SavedFactorisation) {
    const model = this.siteModel(f.meta.model as string);
    const sheet = `${model.path}factorisations/${f.meta.id}/contact-sheet.png`;
    // names, labels and the chosen set are kept by the server; the page shows the shipped sets as they are
    return { readOnly: true, contactSheet: sheet in this.options.site.files ? this.options.files.url(sheet) : null, notes: { name: null, parts: {}, appearances: {}, favourites: [] }, default: false };
  }

  private image(id: string): BrowserImage {
    const image = this.images.get(id);
    if (!image) throw new ClientError("engine", `no image "${id}" in this page (the latest ${IMAGE_CAPACITY} are kept; generate it again)`, 404, "UNKNOWN_IMAGE");
    return image;
  }

  private remember(id: string, image: BrowserImage): void {
    this.images.set(id, image);
    for (const old of this.images.keys()) {
      if (this.images.size <= IMAGE_CAPACITY) break;
      this.images.delete(old);
    }
  }

  /**
   * The image's ImageParts under a factorisation, built once: its features at that layer (the head
   * runs once) and, with `refine`, the parts fitted to this image as the server fits them.
   */
  private imageParts(imageId: string, factorisationId: string, refine = false): Promise<ImageParts> {
    const image = this.image(imageId);
    return once(image.parts, `${factorisationId}|${refine ? "refined" : "global"}`, async () => {
      const f = await this.factorisationOf(factorisationId);
      if (f.meta.model !== image.info.model) throw engineError(`the parts "${f.meta.id}" are of model "${f.meta.model}"; image "${imageId}" is of model "${image.info.model}"`);
      const generator = await this.generator(image.info.model);
      const batch = await this.featuresAt(image, f.meta.layer as string);
      const size = batch.features.length;
      // `count` edited copies, one tail run each (the page runs one image at a time)
      const render = async (edited: Float32Array, count: number, options?: { draft?: boolean }) => {
        const images = [];
        for (let i = 0; i < count; i++) images.push(await generator.tail({ ...batch, features: edited.subarray(i * size, (i + 1) * size) }, options));
        return images;
      };
      const refined = refine ? clusterRefinedParts(coordinates(f.factors, batch.features), f.factors) : undefined;
      return new ImageParts(f, batch.features, image.image, render, refined);
    });
  }
}

function engineError(message: string): ClientError {
  return new ClientError("engine", message);
}

function gray(map: SpatialMap): GrayImage {
  return { width: map.width, height: map.height, gray: toGray8(map) };
}

/** A part or appearance the factorisation does not have, as a readable refusal. */
function indexed<T>(compute: () => T): T {
  try {
    return compute();
  } catch (err) {
    if (err instanceof FactorIndexError) throw engineError(err.message);
    throw err;
  }
}

async function indexedAsync<T>(compute: () => Promise<T>): Promise<T> {
  try {
    return await compute();
  } catch (err) {
    if (err instanceof FactorIndexError) throw engineError(err.message);
    throw err;
  }
}
