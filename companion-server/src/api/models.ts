import { Static, Type } from "@sinclair/typebox";

export const ModelLayerSchema = Type.Object({
  id: Type.String(),
  channels: Type.Integer(),
  height: Type.Integer(),
  width: Type.Integer(),
  default: Type.Boolean(),
});

export const ModelInfoSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  testModel: Type.Boolean(),
  image: Type.Object({ width: Type.Integer(), height: Type.Integer(), channels: Type.Integer() }),
  latent: Type.Object({ size: Type.Integer(), distribution: Type.Union([Type.Literal("normal"), Type.Literal("uniform")]) }),
  truncation: Type.Object({ supported: Type.Boolean(), default: Type.Number() }),
  layers: Type.Array(ModelLayerSchema),
  license: Type.String(),
  source: Type.String(),
});
export const ModelListSchema = Type.Object({ models: Type.Array(ModelInfoSchema) });

export type ModelInfo = Static<typeof ModelInfoSchema>;
export type ModelLayer = Static<typeof ModelLayerSchema>;
export type ModelList = Static<typeof ModelListSchema>;
