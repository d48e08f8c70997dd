import { Static, Type } from "@sinclair/typebox";
import { ModelId, Seed, Truncation } from "./common";

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

/** Response headers of binary answers. */
export const IMAGE_HEADERS = {
  id: "x-image-id",
  width: "x-image-width",
  height: "x-image-height",
  format: "x-image-format",
  seed: "x-image-seed",
} as const;
