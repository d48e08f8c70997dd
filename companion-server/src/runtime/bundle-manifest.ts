/** The generator-bundle manifest (`model.json`): its schema, static type and validation. */
import { Static, Type } from "@sinclair/typebox";
import Ajv from "ajv";

export const BUNDLE_FORMAT = "panda-bundle/1";

const PositiveInt = Type.Integer({ minimum: 1 });
const relativePath = (description?: string) => Type.String({ minLength: 1, pattern: "^(?!/)(?!.*\\.\\.).+$", ...(description ? { description } : {}) });
const RelativePath = relativePath();

export const LayerSpecSchema = Type.Object(
  {
    id: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" }),
    shape: Type.Tuple([PositiveInt, PositiveInt, PositiveInt], { description: "C, H, W" }),
    head: RelativePath,
    tail: RelativePath,
    draft: Type.Optional(
      relativePath(
        "a cheaper tail for live previews while the user drags (the tail's inputs; its image may be smaller: the server scales it up bilinearly to the image size); the full tail renders every final pixel",
      ),
    ),
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const BundleManifestSchema = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    id: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]*$", maxLength: 64 }),
    title: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    testModel: Type.Optional(Type.Boolean()),
    latent: Type.Object(
      { size: PositiveInt, distribution: Type.Union([Type.Literal("normal"), Type.Literal("uniform")]) },
      { additionalProperties: false },
    ),
    truncation: Type.Object(
      {
        method: Type.Union([Type.Literal("none"), Type.Literal("latent"), Type.Literal("input")]),
        default: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
      },
      { additionalProperties: false },
    ),
    image: Type.Object(
      {
        width: PositiveInt,
        height: PositiveInt,
        channels: Type.Union([Type.Literal(1), Type.Literal(3)]),
        range: Type.Tuple([Type.Number(), Type.Number()]),
      },
      { additionalProperties: false },
    ),
    layers: Type.Array(LayerSpecSchema, { minItems: 1 }),
    weights: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: "^[^/\\\\]+$",
        description: "ONNX external-data file, beside the graphs, holding the weights every head and tail share",
      }),
    ),
    auxiliary: Type.Optional(
      Type.Array(
        Type.Object(
          { name: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), shape: Type.Array(PositiveInt) },
          { additionalProperties: false },
        ),
      ),
    ),
    evaluation: Type.Optional(
      Type.Object({ parser: RelativePath, classes: Type.Array(Type.String(), { minItems: 2 }) }, { additionalProperties: false }),
    ),
    license: Type.String({ minLength: 1 }),
    source: Type.Optional(Type.String()),
    card: Type.Optional(RelativePath),
  },
  { additionalProperties: false },
);

export type BundleManifest = Static<typeof BundleManifestSchema>;
export type LayerSpec = Static<typeof LayerSpecSchema>;

const validate = new Ajv({ allErrors: true }).compile<BundleManifest>(BundleManifestSchema);

/** Returns the manifest, or throws with every schema problem in one readable line. */
export function parseBundleManifest(json: unknown): BundleManifest {
  if (validate(json)) {
    const ids = json.layers.map((l) => l.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) throw new Error(`layer id "${dup}" appears twice`);
    if (json.image.range[0] >= json.image.range[1]) throw new Error("image.range must be [low, high] with low < high");
    return json;
  }
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}${e.params && "allowedValues" in e.params ? ` (${(e.params.allowedValues as unknown[]).join(", ")})` : ""}`);
  throw new Error(problems.join("; "));
}
