/**
 * Decorates the app with the job queue (one factorisation at a time per model; closing cancels
 * them) and the limits a factorisation job is planned against (memory, disk of the temp folder).
 */
import fp from "fastify-plugin";
import { FastifyInstance } from "fastify";
import { JobQueue } from "../jobs/job-queue";
import { FitLimits, machineLimits } from "../engine/panda/fit-plan";

declare module "fastify" {
  interface FastifyInstance {
    jobs: JobQueue;
    /** how many jobs may be queued or running at once; more are refused with 429 */
    jobLimit: number;
    /** this machine's limits now (free disk changes), with the server's overrides */
    fitLimits(): FitLimits;
  }
}

/** Enough for every artist of a studio to queue a discovery; far below what exhausts memory or patience. */
export const DEFAULT_JOB_LIMIT = 8;

export default fp<{ limit?: number; fitLimits?: Partial<FitLimits> }>(
  async (app: FastifyInstance, opts) => {
    const queue = new JobQueue((err) => app.log.error({ err }, "job event listener failed"));
    app.decorate("jobs", queue);
    app.decorate("jobLimit", opts.limit ?? DEFAULT_JOB_LIMIT);
    app.decorate("fitLimits", () => machineLimits(opts.fitLimits));
    app.addHook("onClose", async () => queue.close());
  },
  { name: "jobs" },
);
