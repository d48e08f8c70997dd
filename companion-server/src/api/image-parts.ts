/**
 * What the product does with one generated image and a saved factorisation: part masks, part
 * thumbnails, saliency, edits and removal. Pixel answers use the Accept negotiation of
 * POST /api/generate (PNG | raw bytes with X-Image-* headers | JSON with base64 PNG).
 */
import { Static, Type } from "@sinclair/typebox";
import { ImageId } from "./common";
import { FactorisationId } from "./factorisations";
import { PREVIEW_STRENGTH, STRENGTH_LIMIT } from "./strength";

export const ImageParamsSchema = Type.Object({ id: ImageId });

const PartList = Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 64, uniqueItems: true, description: "part indices (0-based)" });
const AppearanceIndex = Type.Integer({ minimum: 0, description: "appearance index (0-based)" });
const Upsampling = Type.Optional(
  Type.Union([Type.Literal("edge-aware"), Type.Literal("bilinear"), Type.Literal("block")], {
    description: "how the feature-resolution map reaches image size: edge-aware (default; guided filter with the image as guide, so edges sit on the image's edges), bilinear, or block (the feature cells)",
  }),
);
const Refine = Type.Optional(Type.Boolean({ description: "refine the parts for this image first (slower on first use; cached)" }));

export const MaskRequestSchema = Type.Object(
  {
    factorisation: FactorisationId,
    parts: PartList,
    kind: Type.Optional(Type.Union([Type.Literal("soft"), Type.Literal("binary")], { description: "default binary" })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "binary only: soft union ≥ threshold instead of argmax over parts" })),
    upsampling: Upsampling,
    feather: Type.Optional(Type.Number({ minimum: 0, maximum: 256, description: "width in pixels of a soft edge put on the mask (default 0)" })),
    refine: Refine,
  },
  { additionalProperties: false },
);
export type MaskRequest = Static<typeof MaskRequestSchema>;

export const PartsQuerySchema = Type.Object({ factorisation: FactorisationId, refine: Refine, upsampling: Upsampling }, { additionalProperties: false });
export type PartsQuery = Static<typeof PartsQuerySchema>;

export const PartThumbnailsSchema = Type.Object({
  image: Type.String(),
  factorisation: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  parts: Type.Array(
    Type.Object({
      index: Type.Integer(),
      colour: Type.Tuple([Type.Integer(), Type.Integer(), Type.Integer()], { description: "RGB of the overlay" }),
      coverage: Type.Number({ description: "fraction of pixels where this part wins (its binary mask)" }),
      png: Type.String({ description: "base64 PNG: the part as a coloured overlay on the image" }),
    }),
  ),
});
export type PartThumbnails = Static<typeof PartThumbnailsSchema>;

export const SaliencyRequestSchema = Type.Object(
  {
    factorisation: FactorisationId,
    appearance: AppearanceIndex,
    output: Type.Optional(Type.Union([Type.Literal("heat"), Type.Literal("mask")], { description: "heat map (default) or the mask thresholded at the concept's mean" })),
    bits: Type.Optional(
      Type.Union([Type.Literal(8), Type.Literal(16)], {
        description: "heat: 8 (default) or 16 bits a pixel (raw: little-endian uint16, X-Image-Format gray16; PNG: 16-bit gray), so a display that stretches one image's narrow band of the scale shows no steps",
      }),
    ),
    upsampling: Upsampling,
  },
  { additionalProperties: false },
);
export type SaliencyRequest = Static<typeof SaliencyRequestSchema>;

export const EditSchema = Type.Object(
  {
    parts: PartList,
    appearance: AppearanceIndex,
    strength: Type.Number({
      minimum: -10000,
      maximum: 10000,
      description: "in units of the appearance's scale (api/strength.ts; the factorisation's strengthScales): 1 is a clear edit, 4 a strong one (the panel's slider spans −4…4)",
    }),
  },
  { additionalProperties: false },
);

export const EditRequestSchema = Type.Object(
  {
    factorisation: FactorisationId,
    edits: Type.Array(EditSchema, { minItems: 1, maxItems: 32, description: "applied together: Z' = Z + Σ λ_j a_{c_j} ⊗ p̂_j, λ_j = strength_j × strengthScales[c_j]" }),
    refine: Refine,
    quality: Type.Optional(
      Type.Union([Type.Literal("full"), Type.Literal("draft")], {
        description: "full (default): the generator's tail. draft: its cheaper draft tail where the model has one (a live preview while dragging; the X-Image-Quality header says which rendered it); a draft is never final: follow it with a full frame",
      }),
    ),
  },
  { additionalProperties: false },
);
export type EditRequest = Static<typeof EditRequestSchema>;

export const RemovalRequestSchema = Type.Object(
  {
    factorisation: FactorisationId,
    parts: PartList,
    method: Type.Union([Type.Literal("feature"), Type.Literal("pixel")], { description: "feature: paint the background into the part through the generator; pixel: mask the part's pixels" }),
    background: Type.Optional(Type.Integer({ minimum: 0, description: "the background appearance; default: the factorisation's" })),
    fill: Type.Optional(Type.Union([Type.Literal("transparent"), Type.Literal("background")], { description: "pixel method: transparent (default) or the background's mean colour" })),
    upsampling: Upsampling,
    refine: Refine,
  },
  { additionalProperties: false },
);
export type RemovalRequest = Static<typeof RemovalRequestSchema>;

/** The most previews one request renders (one run of the generator's tail). */
export const MAX_PREVIEWS = 48;

export const AppearanceBrowserRequestSchema = Type.Object(
  {
    factorisation: FactorisationId,
    parts: PartList,
    offset: Type.Optional(Type.Integer({ minimum: 0, description: "first rank of the page (default 0)" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PREVIEWS, description: "appearances on the page (default 12)" })),
    appearances: Type.Optional(
      Type.Array(AppearanceIndex, { minItems: 1, maxItems: MAX_PREVIEWS, uniqueItems: true, description: "these appearances (e.g. favourites) instead of a page of the ranking" }),
    ),
    strength: Type.Optional(Type.Number({ minimum: -STRENGTH_LIMIT, maximum: STRENGTH_LIMIT, description: `of the previews, in calibrated units (default ${PREVIEW_STRENGTH})` })),
    size: Type.Optional(Type.Integer({ minimum: 8, maximum: 4096, description: "previews are shrunk (by a whole factor) to at most this many pixels a side (default 256)" })),
    refine: Refine,
  },
  { additionalProperties: false },
);
export type AppearanceBrowserRequest = Static<typeof AppearanceBrowserRequestSchema>;

export const AppearanceBrowserSchema = Type.Object({
  image: Type.String(),
  factorisation: Type.String(),
  parts: Type.Array(Type.Integer()),
  strength: Type.Number({ description: "of the previews, calibrated units" }),
  total: Type.Integer({ description: "R_C: appearances in the ranking" }),
  appearances: Type.Array(
    Type.Object({
      appearance: Type.Integer(),
      rank: Type.Integer({ description: "0 = best for these parts" }),
      score: Type.Number({ description: "mean saliency inside the parts minus outside (weighted by p̂ and 1 − p̂)" }),
      inside: Type.Number(),
      outside: Type.Number(),
      preview: Type.Object({
        png: Type.String({ description: "base64 PNG of the edited image" }),
        width: Type.Integer(),
        height: Type.Integer(),
        change: Type.Object({ inside: Type.Number(), outside: Type.Number() }, { description: "measured mean |pixel change| (0…1) inside and outside the parts' soft mask" }),
      }),
    }),
  ),
});
export type AppearanceBrowser = Static<typeof AppearanceBrowserSchema>;

/** Extra response headers of these routes (also exposed to browsers). */
export const PARTS_HEADERS = {
  threshold: "x-saliency-threshold",
  background: "x-background-appearance",
} as const;
