/** Jobs: list, state of one, cancel (DELETE). */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { errorResponses, ErrorBodySchema } from "../../api/common";
import { ApiError } from "../../api/errors";
import { Job, JobListSchema, JobParamsSchema, JobSchema } from "../../api/jobs";
import { JobError, JobInfo } from "../../jobs/job-queue";

function toJob(info: JobInfo): Job {
  return { ...info, kind: "factorisation", model: info.key };
}

const jobs: FastifyPluginAsyncTypebox = async (app) => {
  const requireJob = (id: string): JobInfo => {
    const job = app.jobs.get(id);
    if (!job) throw new ApiError("UNKNOWN_JOB", { id });
    return job;
  };

  app.get("/api/jobs", { schema: { response: { 200: JobListSchema } } }, async () => ({ jobs: app.jobs.list().map(toJob) }));

  app.get("/api/jobs/:id", { schema: { params: JobParamsSchema, response: { 200: JobSchema, ...errorResponses } } }, async (request) => toJob(requireJob(request.params.id)));

  app.delete(
    "/api/jobs/:id",
    { schema: { description: "Cancels a queued or running job; a cancelled event follows when it has stopped.", params: JobParamsSchema, response: { 202: JobSchema, 409: ErrorBodySchema, ...errorResponses } } },
    async (request, reply) => {
      const job = requireJob(request.params.id);
      try {
        return reply.status(202).send(toJob(app.jobs.cancel(job.id)));
      } catch (err) {
        if (err instanceof JobError && err.kind === "ended") throw new ApiError("JOB_ENDED", { id: job.id, state: job.state === "cancelled" ? "been cancelled" : job.state });
        throw err;
      }
    },
  );
};
export default jobs;
