/**
 * Part sets (saved factorisations) as the user knows them: a human name (the user's own, or
 * layer · parts · date instead of the machine id), and the set chosen for each model and layer
 * when the panel starts, so a new discovery does not silently change what part numbers mean.
 * Names and defaults are the user's, kept in the panel's settings.
 */
import type { FactorisationSummary } from "../client/client";

export interface PartSetPrefs {
  /** the user's names, by factorisation id */
  names: Record<string, string>;
  /** the chosen set, by "model/layer" */
  defaults: Record<string, string>;
}

export const NO_PART_SET_PREFS: PartSetPrefs = { names: {}, defaults: {} };

export const defaultKey = (model: string, layer: string) => `${model}/${layer}`;

/** The name shown for a set: the user's, or its layer, parts and date. */
export function partSetLabel(set: FactorisationSummary, prefs: PartSetPrefs): string {
  const own = prefs.names[set.id];
  const date = set.createdAt.slice(0, 16).replace("T", " ");
  const base = own ? `${own} · ${set.ranks.parts} parts` : `${set.layer} · ${set.ranks.parts} parts · ${set.readOnly ? "shipped" : date}`;
  return prefs.defaults[defaultKey(set.model, set.layer)] === set.id ? `★ ${base}` : base;
}

/** The set to show when none is picked: the user's default, else a shipped one, else the oldest (never silently the newest). */
export function initialPartSet(sets: readonly FactorisationSummary[], prefs: PartSetPrefs, model: string, layer: string | null): string | null {
  const chosen = layer ? prefs.defaults[defaultKey(model, layer)] : undefined;
  if (chosen && sets.some((s) => s.id === chosen)) return chosen;
  return (sets.find((s) => s.readOnly) ?? sets.at(-1))?.id ?? null;
}

export function checkPartSetPrefs(value: unknown): PartSetPrefs {
  const record = (v: unknown): Record<string, string> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string")) : {};
  const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  return { names: record(v.names), defaults: record(v.defaults) };
}
