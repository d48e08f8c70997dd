/** Schemas shared by every resource. */
import { Type } from "@sinclair/typebox";
import { MAX_SEED } from "../runtime/random";

export const ErrorBodySchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});

/** Error responses every route may give. */
export const errorResponses = {
  400: ErrorBodySchema,
  403: ErrorBodySchema,
  404: ErrorBodySchema,
  406: ErrorBodySchema,
  413: ErrorBodySchema,
  415: ErrorBodySchema,
  500: ErrorBodySchema,
};

export const ModelId = Type.String({ minLength: 1, maxLength: 64, description: "a model id from GET /api/models" });
export const LayerId = Type.String({ minLength: 1, maxLength: 64 });
export const ImageId = Type.String({ minLength: 1, maxLength: 64, description: "an image id returned by POST /api/generate" });
export const Seed = Type.Integer({ minimum: 0, maximum: MAX_SEED, description: `0 … ${MAX_SEED}` });
export const Truncation = Type.Number({ minimum: 0, maximum: 2, description: "ψ: 1 = none, lower = closer to the average image" });

/**
 * Binary answers: `image/png` (the default, for browsers), `application/octet-stream`
 * (raw RGBA or 8-bit gray; width, height and format in X-Image-* headers, for the Photoshop
 * panel, which cannot decode PNG) or `application/json` (metadata plus base64 PNG).
 */
export const IMAGE_MEDIA_TYPES = ["image/png", "application/octet-stream", "application/json"] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];
