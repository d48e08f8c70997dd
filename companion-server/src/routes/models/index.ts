import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ModelInfo, ModelListSchema } from "../../api/models";
import { Generator } from "../../runtime/generator";

export function describeModel(g: Generator): ModelInfo {
  const m = g.manifest;
  const defaultLayer = g.layer().id;
  return {
    id: m.id,
    title: m.title,
    description: m.description ?? "",
    testModel: m.testModel ?? false,
    image: { width: m.image.width, height: m.image.height, channels: m.image.channels },
    latent: m.latent,
    truncation: { supported: m.truncation.method !== "none", default: g.defaultTruncation() },
    layers: m.layers.map((l) => ({ id: l.id, channels: l.shape[0], height: l.shape[1], width: l.shape[2], default: l.id === defaultLayer })),
    license: m.license,
    source: m.source ?? "",
  };
}

const models: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/api/models", { schema: { response: { 200: ModelListSchema } } }, async () => ({
    models: app.generators.all().map(describeModel),
  }));
};
export default models;
