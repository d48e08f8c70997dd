/**
 * What a page needs to run the live preview itself while a companion server holds the image:
 * the bundle's tail graphs (listed with sizes and content hashes, then fetched by path), the
 * image's features at a layer, a factorisation's factors and the parts refined for one image (what
 * its masks and edits use), all as NumPy `.npy` (float32).
 */
import { Static, Type } from "@sinclair/typebox";
import { ImageId, LayerId, ModelId } from "./common";
import { FactorisationId } from "./factorisations";

export const BundleFileSchema = Type.Object({
  bytes: Type.Integer({ description: "size in bytes" }),
  sha256: Type.String({ description: "hex SHA-256 of the bytes served (the ETag)" }),
});

export const ModelFilesParamsSchema = Type.Object({ id: ModelId });
export const ModelFileParamsSchema = Type.Object({ id: ModelId, "*": Type.String({ minLength: 1, maxLength: 256, description: "a path from the listing" }) });

export const ModelFilesSchema = Type.Object({
  model: Type.String(),
  files: Type.Record(Type.String(), BundleFileSchema, {
    description: "model.json and every layer's tail and draft (and shared weights), by path relative to the bundle; a draft is served as the server runs it (its image scaled to the image size inside the graph)",
  }),
});

export const FeaturesParamsSchema = Type.Object({ id: ImageId });
export const FeaturesQuerySchema = Type.Object({
  layer: LayerId,
  tensor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `"features" (the default: 1×C×H×W) or one of the model's auxiliary tensors (e.g. StyleGAN's w)` })),
});

export const RefinedPartsQuerySchema = Type.Object({ factorisation: FactorisationId }, { additionalProperties: false });

export const FACTOR_FILES = ["parts.npy", "appearances.npy"] as const;
export const FactorFileParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }), file: Type.Union(FACTOR_FILES.map((f) => Type.Literal(f))) });

export type BundleFile = Static<typeof BundleFileSchema>;
export type ModelFiles = Static<typeof ModelFilesSchema>;

/** Where the web editor finds ONNX Runtime Web's WebAssembly build (its script, loader and .wasm), served from the installed package. */
export const ORT_WEB_PREFIX = "/ort/";
export const ORT_WEB_FILES = ["ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"] as const;
