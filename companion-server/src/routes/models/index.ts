import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ModelInfo, ModelListSchema } from "../../api/models";
import { Generator } from "../../runtime/generator";
import { describeManifest } from "../../runtime/model-info";

export function describeModel(g: Generator): ModelInfo {
  return describeManifest(g.manifest);
}

const models: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/api/models", { schema: { response: { 200: ModelListSchema } } }, async () => ({
    models: app.generators.all().map(describeModel),
  }));
};
export default models;
