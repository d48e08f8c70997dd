/** Decorates the app with the job queue (one factorisation at a time per model); closing cancels them. */
import fp from "fastify-plugin";
import { FastifyInstance } from "fastify";
import { JobQueue } from "../jobs/job-queue";

declare module "fastify" {
  interface FastifyInstance {
    jobs: JobQueue;
  }
}

export default fp(
  async (app: FastifyInstance) => {
    const queue = new JobQueue((err) => app.log.error({ err }, "job event listener failed"));
    app.decorate("jobs", queue);
    app.addHook("onClose", async () => queue.close());
  },
  { name: "jobs" },
);
