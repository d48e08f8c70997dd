import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { HealthSchema } from "../../api/health";
import { version } from "../../../../package.json";

const started = Date.now();

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/api/health", { schema: { response: { 200: HealthSchema } } }, async () => ({
    status: "ok" as const,
    version,
    device: app.generators.sessions.status(),
    models: app.generators.ids().length,
    brokenModels: app.generators.failures.map((f) => ({ file: f.file, problem: f.problem })),
    uptimeSeconds: (Date.now() - started) / 1000,
  }));
};
export default health;
