/**
 * Jobs (fitting a factorisation) and the events streamed over the WebSocket `GET /api/events`:
 * each message is one JSON JobEvent.
 */
import { Static, Type } from "@sinclair/typebox";

export const JobStateSchema = Type.Union([Type.Literal("queued"), Type.Literal("running"), Type.Literal("finished"), Type.Literal("failed"), Type.Literal("cancelled")]);

const Progress = {
  fraction: Type.Number({ minimum: 0, maximum: 1 }),
  objective: Type.Optional(Type.Number({ description: "the solver's current objective, when it knows it" })),
  message: Type.String(),
  phase: Type.Optional(Type.String({ description: "sampling | solver | statistics | contact sheet | saving" })),
  done: Type.Optional(Type.Integer({ minimum: 0, description: "units of the current step done: samples of a pass, solver iterations" })),
  total: Type.Optional(Type.Integer({ minimum: 0, description: "units of the current step in all" })),
  round: Type.Optional(Type.Integer({ minimum: 1, description: "the fast solver's alternation round" })),
  etaSeconds: Type.Optional(Type.Number({ minimum: 0, description: "estimated seconds left for the whole job, once there is enough to go on" })),
};

export const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.Literal("factorisation"),
  model: Type.String({ description: "jobs of one model run one at a time, in order" }),
  state: JobStateSchema,
  progress: Type.Object(Progress),
  request: Type.Unknown({ description: "the POST /api/factorisations body" }),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  factorisationId: Type.Union([Type.String(), Type.Null()], { description: "set when finished" }),
  error: Type.Union([Type.String(), Type.Null()], { description: "set when failed" }),
});
export type Job = Static<typeof JobSchema>;

export const JobListSchema = Type.Object({ jobs: Type.Array(JobSchema) });
export const JobParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const JobEventSchema = Type.Union([
  Type.Object({ type: Type.Literal("progress"), jobId: Type.String(), ...Progress }),
  Type.Object({ type: Type.Literal("finished"), jobId: Type.String(), factorisationId: Type.String() }),
  Type.Object({ type: Type.Literal("failed"), jobId: Type.String(), message: Type.String() }),
  Type.Object({ type: Type.Literal("cancelled"), jobId: Type.String() }),
]);
export type JobEventMessage = Static<typeof JobEventSchema>;
