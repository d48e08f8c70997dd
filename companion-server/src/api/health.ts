import { Static, Type } from "@sinclair/typebox";

export const HealthSchema = Type.Object({
  status: Type.Literal("ok"),
  version: Type.String(),
  device: Type.Object({
    requested: Type.String(),
    active: Type.String({ description: "the execution provider in use" }),
    fallbackReason: Type.Union([Type.String(), Type.Null()]),
  }),
  models: Type.Integer(),
  brokenModels: Type.Array(Type.Object({ file: Type.String(), problem: Type.String() })),
  uptimeSeconds: Type.Number(),
});
export type Health = Static<typeof HealthSchema>;
