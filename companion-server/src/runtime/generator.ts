/**
 * A loaded generator bundle that runs: head (latent → feature map + auxiliaries) and tail
 * (feature map + auxiliaries → image) for any split layer, over lazily opened ONNX sessions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { BundleManifest, LayerSpec } from "./bundle-manifest";
import { LoadedBundle } from "./bundle-loader";
import { defaultLayer, defaultTruncation, truncatedLatents } from "./model-info";
import { SessionFactory } from "./execution-providers";
import { OrtSession } from "./ort-thread";
import { draftAtImageSize } from "../onnx/resize-graph";
import { rgbaConverterGraph } from "../onnx/rgba-graph";
import type { RgbaImage } from "../engine/imaging/rgba";

/** A batch of feature maps at one layer, with the auxiliary tensors the tail needs. */
export interface FeatureBatch {
  layer: string;
  count: number;
  /** N·C·H·W values, C-order */
  features: Float32Array;
  auxiliary: Record<string, Float32Array>;
}

/** A batch of images as the tail returns them: N·channels·height·width in the manifest's range. */
export interface ImageBatch {
  count: number;
  data: Float32Array;
  /** rendered by the layer's draft tail (scaled up to the image size), not the full tail */
  draft: boolean;
}

export interface TailOptions {
  /** use the layer's cheaper draft tail when the bundle has one (live previews while dragging) */
  draft?: boolean;
  /** a live preview's frame: it runs before the ONNX Runtime thread's queued background runs */
  interactive?: boolean;
}

/** A head on a session of its own (Generator.openHead). */
export interface DedicatedHead {
  head(latents: Float32Array, count: number, truncation?: number): Promise<FeatureBatch>;
  release(): Promise<void>;
}

export class Generator {
  private readonly sessions = new Map<string, Promise<OrtSession>>();
  /** layers whose draft tail has run once, or is running (warmDraft) */
  private readonly warmed = new Set<string>();

  constructor(
    readonly bundle: LoadedBundle,
    private readonly factory: SessionFactory,
  ) {}

  get manifest(): BundleManifest {
    return this.bundle.manifest;
  }

  get id(): string {
    return this.manifest.id;
  }

  /** The layer with this id, or the bundle's default layer. Throws for an unknown id. */
  layer(id?: string): LayerSpec {
    if (id === undefined) return defaultLayer(this.manifest);
    const layer = this.manifest.layers.find((l) => l.id === id);
    if (!layer) throw new UnknownLayerError(this.id, id, this.manifest.layers.map((l) => l.id));
    return layer;
  }

  defaultTruncation(): number {
    return defaultTruncation(this.manifest);
  }

  async head(layerId: string, latents: Float32Array, count: number, truncation = this.defaultTruncation()): Promise<FeatureBatch> {
    const layer = this.layer(layerId);
    return this.runHead(await this.session(layer.head), layer, latents, count, truncation);
  }

  /**
   * A head at `layerId` on a session of its own, for one long pass (sampling a fit): release() it
   * when done, and its weights and ONNX Runtime's arena (which keeps the largest run's activations)
   * go with it instead of staying with the generator through the solver that follows. The
   * generator's own sessions, which other requests may be running, are not touched.
   */
  async openHead(layerId: string): Promise<DedicatedHead> {
    const layer = this.layer(layerId);
    const session = await this.factory.create(join(this.bundle.dir, layer.head));
    return {
      head: (latents, count, truncation = this.defaultTruncation()) => this.runHead(session, layer, latents, count, truncation),
      release: () => session.release(),
    };
  }

  private async runHead(session: OrtSession, layer: LayerSpec, latents: Float32Array, count: number, truncation: number): Promise<FeatureBatch> {
    const { size } = this.manifest.latent;
    if (latents.length !== size * count) throw new Error(`expected ${size * count} latent values, got ${latents.length}`);
    const method = this.manifest.truncation.method;
    const z = truncatedLatents(this.manifest, latents, truncation);
    const feeds: Record<string, ort.Tensor> = { z: new ort.Tensor("float32", z, [count, size]) };
    if (method === "input") feeds.truncation = new ort.Tensor("float32", Float32Array.of(truncation), [1]);
    const out = await session.run(feeds);
    const auxiliary: Record<string, Float32Array> = {};
    for (const a of this.manifest.auxiliary ?? []) auxiliary[a.name] = out[a.name].data as Float32Array;
    return { layer: layer.id, count, features: out.features.data as Float32Array, auxiliary };
  }

  async tail(batch: FeatureBatch, options: TailOptions = {}): Promise<ImageBatch> {
    const layer = this.layer(batch.layer);
    const draft = options.draft === true && layer.draft !== undefined;
    const out = await (await (draft ? this.draftSession(layer.draft!) : this.session(layer.tail))).run(this.tailFeeds(batch, layer));
    return { count: batch.count, data: out.image.data as Float32Array, draft };
  }

  private tailFeeds(batch: FeatureBatch, layer: LayerSpec): Record<string, ort.Tensor> {
    const [c, h, w] = layer.shape;
    const feeds: Record<string, ort.Tensor> = { features: new ort.Tensor("float32", batch.features, [batch.count, c, h, w]) };
    for (const a of this.manifest.auxiliary ?? []) feeds[a.name] = new ort.Tensor("float32", batch.auxiliary[a.name], [batch.count, ...a.shape]);
    return feeds;
  }

  /** The image tensor → RGBA graph for this bundle's channels and range (tailRgba chains it). */
  private rgbaSession(): Promise<OrtSession> {
    const { channels, range } = this.manifest.image;
    return this.session("rgba-converter", () => rgbaConverterGraph(channels, range));
  }

  /**
   * The tail (or its draft, as `tail`) straight to 8-bit RGBA images: the graph that converts the
   * image tensor (onnx/rgba-graph.ts, tensorToRgba's values exactly) runs right after it on the ONNX
   * Runtime thread, in the same call, so the pixels need no other thread.
   */
  async tailRgba(batch: FeatureBatch, options: TailOptions = {}): Promise<{ images: RgbaImage[]; draft: boolean }> {
    const layer = this.layer(batch.layer);
    const draft = options.draft === true && layer.draft !== undefined;
    const [tail, toRgba] = await Promise.all([draft ? this.draftSession(layer.draft!) : this.session(layer.tail), this.rgbaSession()]);
    const out = await tail.run(this.tailFeeds(batch, layer), { then: [toRgba], interactive: options.interactive });
    const { width, height } = this.manifest.image;
    const rgba = out.rgba.data as Uint8Array;
    const size = width * height * 4;
    // one image keeps the run's buffer; several get one each (a view would carry the whole batch wherever it is posted)
    const images = Array.from({ length: batch.count }, (_, i) => ({ width, height, rgba: batch.count === 1 ? rgba : rgba.slice(i * size, (i + 1) * size) }));
    return { images, draft };
  }

  /**
   * Opens the layer's draft tail and runs it once, before a live preview asks for it: opening the
   * session (its graph scaled up to the image size) and ONNX Runtime's first run, which sizes its
   * memory arena, cost several draft frames and stalled the first frames of a drag.
   */
  async warmDraft(batch: FeatureBatch): Promise<void> {
    if (this.layer(batch.layer).draft === undefined || this.warmed.has(batch.layer)) return;
    this.warmed.add(batch.layer);
    try {
      await this.tailRgba(batch, { draft: true });
    } catch (err) {
      this.warmed.delete(batch.layer); // the next image tries again
      throw err;
    }
  }

  /** Latents → images through the default layer's head and tail. */
  async generate(latents: Float32Array, count: number, truncation?: number): Promise<ImageBatch> {
    return this.tail(await this.head(this.layer().id, latents, count, truncation));
  }

  /** A draft tail whose image is scaled up bilinearly to the image size inside its graph (what an SR stage adds its detail to). */
  private draftSession(file: string): Promise<OrtSession> {
    return this.session(file, () => draftAtImageSize(readFileSync(join(this.bundle.dir, file)), this.manifest.image));
  }

  /** `model`: the graph's bytes when they are not the file's as it is */
  private session(file: string, model?: () => Uint8Array): Promise<OrtSession> {
    const key = model ? `rewritten:${file}` : file;
    let session = this.sessions.get(key);
    if (!session) {
      session = this.factory.create(model ? model() : join(this.bundle.dir, file));
      // A failed open must not be cached forever: the next request tries again.
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  async release(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(open.map(async (s) => (await s).release()));
  }
}

export class UnknownLayerError extends Error {
  constructor(
    readonly model: string,
    readonly requested: string,
    readonly available: string[],
  ) {
    super(`model "${model}" has no layer "${requested}" (layers: ${available.join(", ")})`);
  }
}
