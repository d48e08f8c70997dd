/**
 * A saved factorisation as the API and the CLI list it: its meta, and what the user said about it
 * (name, labels, favourites, whether it is the chosen set) with the title to show.
 */
import { FactorisationDetail, FactorisationSummary } from "../api/factorisations";
import { StoredFactorisation } from "./factorisation-store";
import { defaultKey, NotesStore } from "./factorisation-notes";

/** The name shown for a set: the user's, or layer · parts · date (· shipped for a set of the model's bundle). */
export function automaticTitle(f: StoredFactorisation): string {
  const m = f.meta;
  return `${m.layer} · ${m.ranks.parts} parts · ${f.readOnly ? "shipped" : m.createdAt.slice(0, 16).replace("T", " ")}`;
}

export function summarise(f: StoredFactorisation, notes: NotesStore, defaults: Record<string, string> = notes.defaults()): FactorisationSummary {
  const m = f.meta;
  const own = notes.get(m.model as string, f.id);
  return {
    id: f.id,
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
    readOnly: f.readOnly,
    contactSheet: f.hasContactSheet ? `/api/factorisations/${encodeURIComponent(f.id)}/contact-sheet.png` : null,
    title: own.name ?? automaticTitle(f),
    default: defaults[defaultKey(m.model as string, m.layer as string)] === f.id,
    notes: own,
  };
}

export function describe(f: StoredFactorisation, notes: NotesStore): FactorisationDetail {
  return { ...summarise(f, notes), saliency: f.meta.saliency, strengthScales: f.meta.strengthScales };
}
