/**
 * Saved factorisations: list, get (with the contact sheet), delete, and fitting a new one as a
 * job (202 with the job id; progress arrives over GET /api/events).
 */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { errorResponses, ErrorBodySchema } from "../../api/common";
import { ApiError } from "../../api/errors";
import {
  CreateFactorisationRequestSchema,
  DEFAULT_SAMPLES,
  FactorisationDetailSchema,
  FactorisationListQuerySchema,
  FactorisationListSchema,
  FactorisationParamsSchema,
  FactorisationSummarySchema,
  JobAcceptedSchema,
  NotesPatchSchema,
} from "../../api/factorisations";
import { StoreError } from "../../store/factorisation-store";
import { describe, summarise } from "../../store/factorisation-summary";
import { defaultKey } from "../../store/factorisation-notes";
import { requireIndices } from "../image-parts/indices";
import { FOLDER_FILES } from "../../store/factorisation-folder";
import { rankProblem } from "../../engine/panda/fit-factorisation";
import { FactorisationJobSpec, factorisationTask } from "../../jobs/factorisation-job";
import { portableNameProblem } from "../../store/portable-name";
import { describeRefusal, FitJob, planFit, refusal } from "../../engine/panda/fit-plan";
import { measureHeadSeconds } from "../../engine/sampling";

/** A readable, unique id: model, layer, ranks, time and a few random characters. */
function generatedId(model: string, layer: string, parts: number, appearances: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `${model}_${layer}_p${parts}a${appearances}_${stamp}_${randomBytes(2).toString("hex")}`.replace(/[^A-Za-z0-9._-]/g, "-");
}

/** The wait suggested to a client refused for a full queue: about one small job. */
const RETRY_AFTER_S = 10;

const factorisations: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/api/factorisations",
    { schema: { description: "Saved factorisations, newest first, and the folders that could not be loaded.", querystring: FactorisationListQuerySchema, response: { 200: FactorisationListSchema, ...errorResponses } } },
    async (request) => {
      const { model, layer } = request.query;
      if (model !== undefined) app.requireGenerator(model);
      const defaults = app.notes.defaults();
      return { factorisations: app.factorisations.list({ model, layer }).map((f) => summarise(f, app.notes, defaults)), problems: app.factorisations.problems };
    },
  );

  app.get(
    "/api/factorisations/:id",
    { schema: { params: FactorisationParamsSchema, response: { 200: FactorisationDetailSchema, ...errorResponses } } },
    async (request) => describe(app.requireFactorisation(request.params.id), app.notes),
  );

  app.patch(
    "/api/factorisations/:id",
    {
      schema: {
        description: "The user's notes on a set (also a shipped one): its name, labels of parts and appearances, favourite appearances, and whether it is the set chosen for its model and layer. Answers the updated summary.",
        params: FactorisationParamsSchema,
        body: NotesPatchSchema,
        response: { 200: FactorisationSummarySchema, ...errorResponses },
      },
    },
    async (request) => {
      const f = app.requireFactorisation(request.params.id);
      const { default: chosen, ...patch } = request.body;
      const indices = (labels?: Record<string, unknown>) => Object.keys(labels ?? {}).map(Number);
      requireIndices(f, indices(patch.parts), [...indices(patch.appearances), ...(patch.favourites?.add ?? []), ...(patch.favourites?.remove ?? [])]);
      const model = f.meta.model as string;
      const layer = f.meta.layer as string;
      if (Object.keys(patch).length > 0) app.notes.update(model, f.id, patch);
      if (chosen === true) app.notes.setDefault(model, layer, f.id);
      else if (chosen === false && app.notes.defaults()[defaultKey(model, layer)] === f.id) app.notes.setDefault(model, layer, null);
      return summarise(f, app.notes);
    },
  );

  app.get(
    "/api/factorisations/:id/contact-sheet.png",
    { schema: { description: "The contact sheet: rows are sample images, columns the image and then each part.", params: FactorisationParamsSchema, response: { 200: Type.Unknown({ description: "image/png" }), ...errorResponses } } },
    async (request, reply) => {
      const f = app.requireFactorisation(request.params.id);
      if (!f.hasContactSheet) throw new ApiError("NO_CONTACT_SHEET", { id: f.id });
      return reply.type("image/png").send(readFileSync(join(f.dir, FOLDER_FILES.contactSheet)));
    },
  );

  app.delete(
    "/api/factorisations/:id",
    { schema: { params: FactorisationParamsSchema, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const f = app.requireFactorisation(request.params.id);
      try {
        app.factorisations.delete(f.id);
        app.notes.forget(String(f.meta.model), f.id);
      } catch (err) {
        if (err instanceof StoreError && err.kind === "read-only") throw new ApiError("FACTORISATION_READ_ONLY", { id: f.id, model: String(f.meta.model) });
        throw err;
      }
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/factorisations",
    {
      schema: {
        description:
          "Fits a factorisation as a job: 202 at once with the job's plan (memory, disk, minutes); progress, finished, failed and cancelled events over GET /api/events. 413 when it cannot fit this machine's memory or disk (the message says what to lower).",
        body: CreateFactorisationRequestSchema,
        response: { 202: JobAcceptedSchema, 409: ErrorBodySchema, 429: ErrorBodySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const generator = app.requireGenerator(body.model);
      const layer = app.requireLayer(generator, body.layer);
      const [channels, height, width] = layer.shape;
      const problem = rankProblem({ channels, height, width }, body.parts, body.appearances);
      if (problem) throw new ApiError("RANK_TOO_LARGE", { ...problem, layer: layer.id, model: generator.id });
      const samples = body.samples ?? DEFAULT_SAMPLES;
      if (body.batchSize !== undefined && body.batchSize > samples) throw new ApiError("BAD_REQUEST", { detail: `batchSize ${body.batchSize} is larger than samples ${samples}` });
      const id = body.name ?? generatedId(generator.id, layer.id, body.parts, body.appearances);
      if (body.name !== undefined) {
        const why = portableNameProblem(body.name);
        if (why !== null) throw new ApiError("NAME_NOT_PORTABLE", { name: body.name, why });
      }
      // Every reason the save at the end would fail is checked here, before any work.
      const pendingSameName = app.jobs.list().find((j) => (j.state === "queued" || j.state === "running") && (j.request as FactorisationJobSpec).id.toLowerCase() === id.toLowerCase());
      const taken = pendingSameName ? `job ${pendingSameName.id} is fitting "${(pendingSameName.request as FactorisationJobSpec).id}"` : app.factorisations.nameTaken(generator.id, id);
      if (taken !== null) throw new ApiError("FACTORISATION_EXISTS", { id, why: taken });
      const solver = body.solver ?? "fast";
      const limits = app.fitLimits();
      const fit: FitJob = {
        shape: { channels, height, width },
        samples,
        parts: body.parts,
        appearances: body.appearances,
        solver,
        iterations: body.iterations,
        batchSize: body.batchSize,
        sampled: true,
        headSecondsPerSample: await measureHeadSeconds(generator, layer.id),
      };
      const plan = planFit(fit, limits);
      const refused = refusal(fit, plan, limits);
      if (refused) throw new ApiError("FACTORISATION_TOO_LARGE", { detail: describeRefusal(refused), limit: refused.limit });
      const spec: FactorisationJobSpec = {
        id,
        name: body.name ?? id,
        model: generator.id,
        layer: layer.id,
        parts: body.parts,
        appearances: body.appearances,
        samples,
        solver,
        seed: body.seed ?? 0,
        iterations: body.iterations,
        learningRate: body.learningRate,
        batchSize: body.batchSize,
      };
      // Bounded up front: a queue that only grows would hold every request's memory and the user's patience.
      const pending = app.jobs.pendingCount();
      if (pending >= app.jobLimit) throw new ApiError("TOO_MANY_JOBS", { pending, limit: app.jobLimit }, { "retry-after": String(RETRY_AFTER_S) });
      const job = app.jobs.submit("factorisation", generator.id, spec, factorisationTask(generator, spec, app.factorisations, app.generators.sessions, { limits, plan }, app.imaging));
      return reply.status(202).send({ jobId: job.id, plan, factorisationId: id, events: "/api/events" });
    },
  );
};
export default factorisations;
