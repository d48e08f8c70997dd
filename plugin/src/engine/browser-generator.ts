/**
 * A generator bundle run by ONNX Runtime Web: head (latent → features and auxiliaries) and tail
 * (features → RGBA) for any layer the site carries, over sessions opened on first use from the
 * bundle's files (with the shared external weights when the bundle has them). The manifest is
 * read with the server's own validation and defaults (runtime/bundle-manifest, model-info).
 */
import type { InferenceSession, Tensor } from "onnxruntime-web";
import type { BundleManifest, LayerSpec } from "../../../companion-server/src/runtime/bundle-manifest";
import { defaultTruncation, truncatedLatents } from "../../../companion-server/src/runtime/model-info";
import { RgbaImage, tensorToRgba } from "../../../companion-server/src/engine/imaging/rgba";
import type { BundleFiles } from "./bundle-files";
import { once } from "./once";
import type { OrtBackend, OrtModule } from "./ort-web";

/** One image's features at a layer, with the auxiliary tensors its tail needs. */
export interface ImageFeatures {
  layer: string;
  /** C·H·W values */
  features: Float32Array;
  auxiliary: Record<string, Float32Array>;
}

export class BrowserGenerator {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();

  constructor(
    readonly manifest: BundleManifest,
    /** the bundle's folder, relative to the site root, ending in "/" */
    private readonly path: string,
    private readonly files: BundleFiles,
    private readonly ort: OrtModule,
    private readonly executionProviders: OrtBackend[],
  ) {}

  layer(id: string): LayerSpec {
    const layer = this.manifest.layers.find((l) => l.id === id);
    if (!layer) throw new Error(`model "${this.manifest.id}" has no layer "${id}" (layers: ${this.manifest.layers.map((l) => l.id).join(", ")})`);
    return layer;
  }

  defaultTruncation(): number {
    return defaultTruncation(this.manifest);
  }

  async head(layerId: string, latent: Float32Array, truncation: number): Promise<ImageFeatures> {
    const layer = this.layer(layerId);
    const { Tensor } = this.ort;
    const feeds: Record<string, Tensor> = { z: new Tensor("float32", truncatedLatents(this.manifest, latent, truncation), [1, this.manifest.latent.size]) };
    if (this.manifest.truncation.method === "input") feeds.truncation = new Tensor("float32", Float32Array.of(truncation), [1]);
    const out = await (await this.session(layer.head)).run(feeds);
    const auxiliary: Record<string, Float32Array> = {};
    for (const a of this.manifest.auxiliary ?? []) auxiliary[a.name] = out[a.name].data as Float32Array;
    return { layer: layer.id, features: out.features.data as Float32Array, auxiliary };
  }

  /**
   * The image from a layer's features; `draft`: through the layer's draft tail where the site
   * carries one (build:static stores it already scaled up to the image size, as the server runs it),
   * the live preview's frame while dragging.
   */
  async tail(batch: ImageFeatures, options: { draft?: boolean } = {}): Promise<RgbaImage> {
    const layer = this.layer(batch.layer);
    const draft = options.draft === true && layer.draft !== undefined;
    const { Tensor } = this.ort;
    // copies: ORT's proxy worker takes (detaches) the buffers it is fed, and the image keeps its features for the next edit
    const feeds: Record<string, Tensor> = { features: new Tensor("float32", batch.features.slice(), [1, ...layer.shape]) };
    for (const a of this.manifest.auxiliary ?? []) feeds[a.name] = new Tensor("float32", batch.auxiliary[a.name].slice(), [1, ...a.shape]);
    const out = await (await this.session(draft ? layer.draft! : layer.tail)).run(feeds);
    const { image } = this.manifest;
    return tensorToRgba(out.image.data as Float32Array, 0, image.channels, image.width, image.height, image.range);
  }

  /** Opens every session of a layer now, its draft too (the download and compile then happen before the first click or drag). */
  async prepare(layerId: string): Promise<void> {
    const layer = this.layer(layerId);
    await Promise.all([layer.head, layer.tail, ...(layer.draft ? [layer.draft] : [])].map((file) => this.session(file)));
  }

  private session(file: string): Promise<InferenceSession> {
    return once(this.sessions, file, () => this.open(file));
  }

  private async open(file: string): Promise<InferenceSession> {
    const weights = this.manifest.weights;
    const [graph, externalData] = await Promise.all([
      this.files.bytes(this.path + file),
      weights ? this.files.bytes(this.path + weights).then((data) => [{ path: weights, data }]) : Promise.resolve(undefined),
    ]);
    // a copy: ORT's proxy worker takes (detaches) the bytes it is given, and the downloaded ones stay for the tail worker (page-tail.ts)
    return this.ort.InferenceSession.create(graph.slice(), { executionProviders: this.executionProviders, ...(externalData ? { externalData } : {}) });
  }
}
