/**
 * `meta.json` of a saved factorisation: its schema (versioned by `format`), static type and
 * validation. Arrays of per-appearance statistics must have R_C entries.
 */
import { Static, Type } from "@sinclair/typebox";
import Ajv from "ajv";
import { appearanceScales } from "../api/strength";

export const FACTORISATION_FORMAT = "panda-factorisation/1";
export const FACTORISATION_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

const Count = Type.Integer({ minimum: 1 });
const Index = Type.Integer({ minimum: 0 });

export const FactorisationMetaSchema = Type.Object(
  {
    format: Type.Literal(FACTORISATION_FORMAT),
    id: Type.String({ pattern: FACTORISATION_ID_PATTERN }),
    name: Type.String(),
    /** null when fitted on a features file without a model */
    model: Type.Union([Type.String(), Type.Null()]),
    layer: Type.Union([Type.String(), Type.Null()]),
    shape: Type.Object({ channels: Count, height: Count, width: Count }, { additionalProperties: false }),
    ranks: Type.Object({ parts: Count, appearances: Count }, { additionalProperties: false }),
    solver: Type.Union([Type.Literal("fast"), Type.Literal("reference")]),
    seed: Type.Integer({ minimum: 0 }),
    samples: Count,
    iterations: Type.Integer({ minimum: 0 }),
    objective: Type.Number(),
    relativeObjective: Type.Number(),
    timings: Type.Object({ solverSeconds: Type.Number(), totalSeconds: Type.Number() }, { additionalProperties: false }),
    saliency: Type.Object(
      { samples: Count, min: Type.Array(Type.Number()), max: Type.Array(Type.Number()), mean: Type.Array(Type.Number()) },
      { additionalProperties: false },
    ),
    background: Type.Object({ part: Index, appearance: Index }, { additionalProperties: false }),
    /** per appearance, λ per unit of edit strength (api/strength.ts); folders saved before it existed get it on load */
    strengthScales: Type.Array(Type.Number({ exclusiveMinimum: 0 })),
    /** R_C·R_S, row = coordinate: each part's direction in AᵀZ (statistics.ts); folders saved before it existed refine without it */
    partCentres: Type.Optional(Type.Array(Type.Number())),
    createdAt: Type.String({ format: "date-time" }),
  },
  { additionalProperties: false },
);
export type FactorisationMeta = Static<typeof FactorisationMetaSchema>;

const validate = new Ajv({ allErrors: true, formats: { "date-time": (s: string) => !Number.isNaN(Date.parse(s)) } }).compile<FactorisationMeta>(FactorisationMetaSchema);

/** Folders saved before strengths were calibrated have no strengthScales: the same definition fills them in. */
function withStrengthScales(json: unknown): unknown {
  if (typeof json !== "object" || json === null || "strengthScales" in json) return json;
  const saliency = (json as { saliency?: { min?: unknown; max?: unknown } }).saliency;
  if (!Array.isArray(saliency?.min) || !Array.isArray(saliency?.max)) return json; // validation names what is wrong
  return { ...json, strengthScales: appearanceScales({ min: saliency.min as number[], max: saliency.max as number[] }) };
}

/** The meta, or an Error with every problem in one line. */
export function parseFactorisationMeta(input: unknown): FactorisationMeta {
  const json = withStrengthScales(input);
  if (!validate(json)) throw new Error((validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; "));
  const r = json.ranks.appearances;
  for (const key of ["min", "max", "mean"] as const) {
    if (json.saliency[key].length !== r) throw new Error(`saliency.${key} has ${json.saliency[key].length} values, ranks.appearances is ${r}`);
  }
  if (json.strengthScales.length !== r) throw new Error(`strengthScales has ${json.strengthScales.length} values, ranks.appearances is ${r}`);
  if (json.partCentres && json.partCentres.length !== r * json.ranks.parts)
    throw new Error(`partCentres has ${json.partCentres.length} values, ranks.appearances × ranks.parts is ${r * json.ranks.parts}`);
  if (json.background.part >= json.ranks.parts) throw new Error(`background.part ${json.background.part} is not a part (ranks.parts is ${json.ranks.parts})`);
  if (json.background.appearance >= r) throw new Error(`background.appearance ${json.background.appearance} is not an appearance (ranks.appearances is ${r})`);
  if (json.ranks.appearances > json.shape.channels) throw new Error(`ranks.appearances ${r} exceeds the ${json.shape.channels} channels`);
  return json;
}
