import { Static, Type } from "@sinclair/typebox";
import { ImageId, ModelId, Seed, Truncation } from "./common";

export const GenerateRequestSchema = Type.Object(
  {
    model: ModelId,
    seed: Type.Optional(Seed),
    latent: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 65536, description: "an explicit latent; finite numbers" })),
    truncation: Type.Optional(Truncation),
  },
  { additionalProperties: false },
);
export type GenerateRequest = Static<typeof GenerateRequestSchema>;

/** The JSON form of a generated image (Accept: application/json). */
export const GeneratedImageSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  seed: Type.Union([Type.Integer(), Type.Null()]),
  truncation: Type.Number(),
  width: Type.Integer(),
  height: Type.Integer(),
  png: Type.String({ description: "base64 PNG" }),
});
export type GeneratedImage = Static<typeof GeneratedImageSchema>;

export const ImageInfoParamsSchema = Type.Object({ id: ImageId });

/** What made a generated image: enough to generate it again (POST /api/generate with this latent and truncation). */
export const ImageInfoSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  seed: Type.Union([Type.Integer(), Type.Null()]),
  truncation: Type.Number(),
  latent: Type.Array(Type.Number(), { description: "the latent before truncation" }),
  width: Type.Integer(),
  height: Type.Integer(),
});
export type ImageInfo = Static<typeof ImageInfoSchema>;

/** Response headers of binary answers. */
export const IMAGE_HEADERS = {
  id: "x-image-id",
  width: "x-image-width",
  height: "x-image-height",
  format: "x-image-format",
  seed: "x-image-seed",
  /** edits: "draft" when the generator's draft tail rendered the image, else "full" */
  quality: "x-image-quality",
} as const;
