/** Saved factorisations (parts P and appearances A of one model's layer) and fitting new ones as jobs. */
import { Static, Type } from "@sinclair/typebox";
import { LayerId, ModelId, Seed } from "./common";

export const FactorisationId = Type.String({ minLength: 1, maxLength: 128, description: "a factorisation id from GET /api/factorisations" });

const Labels = Type.Record(Type.String({ pattern: "^[0-9]{1,4}$" }), Type.String(), { description: "by index" });

export const NotesSchema = Type.Object(
  {
    name: Type.Union([Type.String(), Type.Null()], { description: "the user's name of the set; null: the automatic one" }),
    parts: Labels,
    appearances: Labels,
    favourites: Type.Array(Type.Integer(), { description: "favourite appearances, in the order marked" }),
  },
  { description: "what the user said about the set (kept in the data folder, also for shipped sets)" },
);
export type Notes = Static<typeof NotesSchema>;

const LabelPatch = Type.Record(Type.String({ pattern: "^[0-9]{1,4}$" }), Type.Union([Type.String({ maxLength: 200 }), Type.Null()]), {
  additionalProperties: false,
  description: "index → label (at most 60 characters kept); null or empty removes it",
});

export const NotesPatchSchema = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: "the set's name (at most 80 characters kept); null or empty: the automatic one" })),
    default: Type.Optional(Type.Boolean({ description: "true: the set shown for its model and layer; false: no chosen set there" })),
    parts: Type.Optional(LabelPatch),
    appearances: Type.Optional(LabelPatch),
    favourites: Type.Optional(
      Type.Object(
        {
          add: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 4096, uniqueItems: true })),
          remove: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 4096, uniqueItems: true })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type NotesPatchRequest = Static<typeof NotesPatchSchema>;

export const FactorisationSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  model: Type.String(),
  layer: Type.String(),
  shape: Type.Object({ channels: Type.Integer(), height: Type.Integer(), width: Type.Integer() }),
  ranks: Type.Object({ parts: Type.Integer({ description: "R_S" }), appearances: Type.Integer({ description: "R_C" }) }),
  solver: Type.Union([Type.Literal("fast"), Type.Literal("reference")]),
  seed: Type.Integer(),
  samples: Type.Integer(),
  iterations: Type.Integer(),
  objective: Type.Number({ description: "mean over samples of ‖Z_i − AAᵀZ_iPPᵀ‖²_F" }),
  relativeObjective: Type.Number({ description: "objective / mean ‖Z_i‖²_F" }),
  timings: Type.Object({ solverSeconds: Type.Number(), totalSeconds: Type.Number() }),
  background: Type.Object({
    part: Type.Integer({ description: "the part with most mass on the image border" }),
    appearance: Type.Integer({ description: "the background concept used by removal unless a request names another" }),
  }),
  createdAt: Type.String(),
  readOnly: Type.Boolean({ description: "shipped with the model: cannot be deleted" }),
  contactSheet: Type.Union([Type.String(), Type.Null()], { description: "URL of the contact sheet PNG (rows: sample images, columns: the image, then each part)" }),
  title: Type.String({ description: "the name to show: the user's, or layer · parts · date (or · shipped)" }),
  default: Type.Boolean({ description: "the set the user chose for this model and layer" }),
  notes: NotesSchema,
});
export type FactorisationSummary = Static<typeof FactorisationSummarySchema>;

export const FactorisationDetailSchema = Type.Intersect([
  FactorisationSummarySchema,
  Type.Object({
    saliency: Type.Object(
      {
        samples: Type.Integer(),
        min: Type.Array(Type.Number()),
        max: Type.Array(Type.Number()),
        mean: Type.Array(Type.Number()),
      },
      { description: "per appearance, over the samples: saliency is (v − min)/(max − min), its mask threshold the mean on that scale" },
    ),
    strengthScales: Type.Array(Type.Number(), { description: "per appearance, λ per unit of edit strength: half the span (max − min) of its coordinates over the samples (api/strength.ts)" }),
  }),
]);
export type FactorisationDetail = Static<typeof FactorisationDetailSchema>;

export const FactorisationListQuerySchema = Type.Object({ model: Type.Optional(ModelId), layer: Type.Optional(LayerId) }, { additionalProperties: false });
export type FactorisationListQuery = Static<typeof FactorisationListQuerySchema>;

export const FactorisationListSchema = Type.Object({
  factorisations: Type.Array(FactorisationSummarySchema),
  problems: Type.Array(Type.Object({ path: Type.String(), problem: Type.String() }), { description: "saved folders that could not be loaded, and why" }),
});
export type FactorisationList = Static<typeof FactorisationListSchema>;

export const FactorisationParamsSchema = Type.Object({ id: FactorisationId });

export const CreateFactorisationRequestSchema = Type.Object(
  {
    model: ModelId,
    layer: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "default: the model's default layer" })),
    parts: Type.Integer({ minimum: 1, maximum: 64, description: "R_S, at most H·W of the layer" }),
    appearances: Type.Integer({ minimum: 1, maximum: 4096, description: "R_C, at most C of the layer (C is what the paper uses)" }),
    samples: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: "feature maps sampled from the model (default 512)" })),
    solver: Type.Optional(Type.Union([Type.Literal("fast"), Type.Literal("reference")], { description: "default fast" })),
    seed: Type.Optional(Seed),
    iterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000 })),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "reference solver only" })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, description: "samples per step of the reference solver" })),
    name: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description: "becomes the id; default: generated" })),
  },
  { additionalProperties: false },
);
export type CreateFactorisationRequest = Static<typeof CreateFactorisationRequestSchema>;

export const DEFAULT_SAMPLES = 512;

export const FitPlanSchema = Type.Object(
  {
    featureBytes: Type.Number({ description: "N·C·H·W float32 values of the samples" }),
    features: Type.Union([Type.Literal("memory"), Type.Literal("disk")], { description: "where the samples are kept: above the memory budget, a temporary file" }),
    memoryBytes: Type.Number(),
    diskBytes: Type.Number(),
    minutes: Type.Object({
      sampling: Type.Union([Type.Number(), Type.Null()]),
      solver: Type.Number(),
      after: Type.Number({ description: "saliency statistics and the contact sheet" }),
      total: Type.Number(),
    }),
  },
  { description: "what the job needs, estimated before it starts" },
);

export const JobAcceptedSchema = Type.Object({
  jobId: Type.String(),
  plan: FitPlanSchema,
  factorisationId: Type.String({ description: "the id the factorisation will have when the job finishes" }),
  events: Type.String({ description: "WebSocket URL of progress events" }),
});
export type JobAccepted = Static<typeof JobAcceptedSchema>;
