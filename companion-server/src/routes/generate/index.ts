import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { randomInt } from "node:crypto";
import { GenerateRequestSchema, ImageInfo, ImageInfoParamsSchema, ImageInfoSchema } from "../../api/generate";
import { errorResponses, IMAGE_MEDIA_TYPES } from "../../api/common";
import { ApiError } from "../../api/errors";
import { MAX_SEED, sampleLatents } from "../../runtime/random";
import { sendPixels, negotiateImageType } from "../image-response";

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

const generate: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/api/generate",
    {
      schema: {
        description: `Generates one image. Answers ${IMAGE_MEDIA_TYPES.join(" | ")} by Accept.`,
        body: GenerateRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      negotiateImageType(request); // refuse an unanswerable Accept before any work
      const { model, seed, latent, truncation } = request.body;
      const generator = app.requireGenerator(model);
      const m = generator.manifest;
      if (seed !== undefined && latent !== undefined) throw new ApiError("SEED_AND_LATENT");
      if (latent !== undefined && latent.length !== m.latent.size) throw new ApiError("LATENT_LENGTH", { got: latent.length, expected: m.latent.size, model });
      // JSON numbers are float64; beyond float32 they turn into ±Infinity in the tensor and a flat image.
      const outside = latent?.findIndex((v) => Math.abs(v) > FLOAT32_MAX) ?? -1;
      if (latent !== undefined && outside >= 0) throw new ApiError("LATENT_RANGE", { index: outside, value: latent[outside], max: FLOAT32_MAX.toPrecision(5) });
      const usedSeed = latent !== undefined ? null : (seed ?? randomInt(0, MAX_SEED));
      const z = latent !== undefined ? Float32Array.from(latent) : sampleLatents(m.latent.distribution, m.latent.size, usedSeed as number);
      const psi = truncation ?? generator.defaultTruncation();
      const features = await generator.head(generator.layer().id, z, 1, psi);
      const { images: [image] } = await generator.tailRgba(features);
      const cached = app.images.add({ model, seed: usedSeed, latent: z, truncation: psi, image }, features);
      if (usedSeed !== null) reply.header("x-image-seed", usedSeed);
      return sendPixels(request, reply, { kind: "rgba", image }, { id: cached.id, model, seed: usedSeed, truncation: psi });
    },
  );

  app.get(
    "/api/images/:id",
    {
      schema: {
        description: "What made a generated image (model, seed, latent, truncation): a document can keep it and regenerate the image later.",
        params: ImageInfoParamsSchema,
        response: { 200: ImageInfoSchema, ...errorResponses },
      },
    },
    async (request): Promise<ImageInfo> => {
      const { id, model, seed, truncation, latent, image } = app.requireImage(request.params.id);
      return { id, model, seed, truncation, latent: Array.from(latent), width: image.width, height: image.height };
    },
  );
};
export default generate;
