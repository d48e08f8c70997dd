/**
 * A saved factorisation's meta.json as the API describes it (summary and detail), given where it
 * lies and what the user said about it: one mapping, used by the server (store/factorisation-
 * summary.ts) and by the in-browser engine reading the same folders by URL. No Node imports.
 */
import type { FactorisationDetail, FactorisationSummary, Notes } from "../api/factorisations";
import type { FactorisationMeta } from "./factorisation-meta";

export interface FactorisationPlace {
  /** shipped with the model: cannot be deleted */
  readOnly: boolean;
  /** URL of its contact sheet, or null when it has none */
  contactSheet: string | null;
  /** the user's notes (name, labels, favourites) */
  notes: Notes;
  /** the set chosen for its model and layer */
  default: boolean;
}

/** The name shown for a set: the user's, or layer · parts · date (· shipped for a set of the model's bundle). */
export function automaticTitle(m: FactorisationMeta, readOnly: boolean): string {
  return `${m.layer} · ${m.ranks.parts} parts · ${readOnly ? "shipped" : m.createdAt.slice(0, 16).replace("T", " ")}`;
}

export function summariseMeta(m: FactorisationMeta, place: FactorisationPlace): FactorisationSummary {
  return {
    id: m.id,
    name: m.name,
    model: m.model as string,
    layer: m.layer as string,
    shape: m.shape,
    ranks: m.ranks,
    solver: m.solver,
    seed: m.seed,
    samples: m.samples,
    iterations: m.iterations,
    objective: m.objective,
    relativeObjective: m.relativeObjective,
    timings: m.timings,
    background: m.background,
    createdAt: m.createdAt,
    readOnly: place.readOnly,
    contactSheet: place.contactSheet,
    title: place.notes.name ?? automaticTitle(m, place.readOnly),
    default: place.default,
    notes: place.notes,
  };
}

export function describeMeta(m: FactorisationMeta, place: FactorisationPlace): FactorisationDetail {
  return { ...summariseMeta(m, place), saliency: m.saliency, strengthScales: m.strengthScales };
}
