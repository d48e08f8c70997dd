/**
 * Decorates the app with `imageParts(image, factorisation)`: the ImageParts of a cached image
 * under a saved factorisation, built once and kept with the image (its features at the
 * factorisation's layer, AᵀZ, the part maps), so repeated edits of one image stay fast.
 */
import fp from "fastify-plugin";
import { FastifyInstance } from "fastify";
import { ApiError } from "../api/errors";
import { CachedImage } from "../runtime/image-cache";
import { FeatureBatch } from "../runtime/generator";
import { tailRenderer } from "../runtime/tail-renderer";
import { ImageParts } from "../engine/panda/image-parts";
import { StoredFactorisation } from "../store/factorisation-store";
import { refineParts } from "../engine/panda/refine";

declare module "fastify" {
  interface FastifyInstance {
    /** `key` names this image under this factorisation (refined or not): what the imaging threads keep its part maps under */
    imageParts(imageId: string, factorisationId: string, options?: { refine?: boolean }): Promise<{ parts: ImageParts; factorisation: StoredFactorisation; image: CachedImage; key: string }>;
    /** The image's features at a layer: the head runs once per image and layer, then they are kept with the image. */
    imageFeatures(image: CachedImage, layer: string): Promise<FeatureBatch>;
  }
}

export default fp(
  async (app: FastifyInstance) => {
    // Kept per image object, so an image evicted from the cache takes its entries with it.
    const perImage = new WeakMap<CachedImage, Map<string, Promise<ImageParts>>>();

    async function featuresAt(image: CachedImage, layer: string): Promise<FeatureBatch> {
      const cached = image.features.get(layer);
      if (cached) return cached;
      const batch = await app.requireGenerator(image.model).head(layer, image.latent, 1, image.truncation);
      app.images.addFeatures(image, batch);
      return batch;
    }

    async function build(image: CachedImage, f: StoredFactorisation, refine: boolean): Promise<ImageParts> {
      const generator = app.requireGenerator(image.model);
      const batch = await featuresAt(image, f.meta.layer as string);
      // the live preview's draft tail, ready before the first drag (a failure shows on that drag's own request)
      generator.warmDraft(batch).catch(() => {});
      // Parts that follow this image (refine.ts), clustered on an imaging thread.
      const refined = refine ? await refineParts(batch.features, f.factors, {}, app.generators.sessions, (c, p, n, centres) => app.imaging.clusterParts(c, p, n, centres)) : undefined;
      return new ImageParts(f, batch.features, image.image, tailRenderer(generator, batch), refined);
    }

    app.decorate("imageFeatures", featuresAt);

    app.decorate("imageParts", async (imageId: string, factorisationId: string, options: { refine?: boolean } = {}) => {
      const image = app.requireImage(imageId);
      const factorisation = app.requireFactorisation(factorisationId);
      const { model, layer } = factorisation.meta;
      if (model !== image.model)
        throw new ApiError("FACTORISATION_MISMATCH", { id: factorisation.id, model: String(model), layer: String(layer), image: image.id, imageModel: image.model });
      let entries = perImage.get(image);
      if (!entries) perImage.set(image, (entries = new Map()));
      const key = `${factorisation.id}@${factorisation.meta.createdAt}|${options.refine ? "refined" : "global"}`;
      let parts = entries.get(key);
      if (!parts) {
        parts = build(image, factorisation, options.refine ?? false);
        const mine = entries;
        parts.catch(() => mine.delete(key)); // a failure is not cached
        entries.set(key, parts);
      }
      return { parts: await parts, factorisation, image, key: `${image.id}|${key}` };
    });
  },
  { name: "image-parts", dependencies: ["runtime", "factorisations"] },
);
