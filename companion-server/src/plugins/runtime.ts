/** Decorates the app with the generator registry, the cache of generated images and the imaging threads. */
import fp from "fastify-plugin";
import { FastifyInstance } from "fastify";
import { GeneratorRegistry } from "../runtime/generator-registry";
import { Generator, UnknownLayerError } from "../runtime/generator";
import { CachedImage, ImageCache } from "../runtime/image-cache";
import { ApiError } from "../api/errors";
import { LayerSpec } from "../runtime/bundle-manifest";
import { ImagingPool } from "../workers/imaging-pool";

declare module "fastify" {
  interface FastifyInstance {
    generators: GeneratorRegistry;
    images: ImageCache;
    /** per-request pixel maths (RGBA, masks, per-image parts) off the event loop */
    imaging: ImagingPool;
    /** The generator of this model id, or a 404 that lists the available ones. */
    requireGenerator(model: string): Generator;
    /** The cached image of this id, or a 404. */
    requireImage(id: string): CachedImage;
    /** The layer of this generator, or a 400 that lists the layers. */
    requireLayer(generator: Generator, layer?: string): LayerSpec;
  }
}

export interface RuntimePluginOptions {
  registry: GeneratorRegistry;
  imageCacheBytes: number;
  /** imaging threads (default: defaultImagingThreads()) */
  imagingThreads?: number;
}

export default fp<RuntimePluginOptions>(
  async (app: FastifyInstance, opts) => {
    app.decorate("generators", opts.registry);
    app.decorate("images", new ImageCache(opts.imageCacheBytes));
    const imaging = new ImagingPool(opts.imagingThreads);
    app.decorate("imaging", imaging);
    app.decorate("requireGenerator", (model: string) => {
      const g = opts.registry.get(model);
      if (!g) throw new ApiError("UNKNOWN_MODEL", { model, available: opts.registry.ids().join(", ") || "none" });
      return g;
    });
    app.decorate("requireImage", (id: string) => {
      const img = app.images.get(id);
      if (!img) throw new ApiError("UNKNOWN_IMAGE", { id, capacity: `${Math.round(app.images.capacityBytes / 2 ** 20)} MiB` });
      return img;
    });
    app.decorate("requireLayer", (generator: Generator, layer?: string) => {
      try {
        return generator.layer(layer);
      } catch (err) {
        if (err instanceof UnknownLayerError) throw new ApiError("UNKNOWN_LAYER", { model: err.model, layer: err.requested, available: err.available.join(", ") });
        throw err;
      }
    });
    app.addHook("onClose", async () => {
      await Promise.all([opts.registry.close(), imaging.close()]);
    });
  },
  { name: "runtime" },
);
