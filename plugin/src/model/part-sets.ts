/**
 * Part sets (saved factorisations) as the user knows them. Their names, labels, favourites and the
 * set chosen per model and layer are kept by the server (PATCH /api/factorisations/:id), so every
 * panel and the CLI show the same; this module picks the set to show and reads the notes. Older
 * panels kept names and the chosen set in their own settings: `legacyPartSets` moves them over.
 */
import type { FactorisationSummary, Notes, NotesPatchRequest } from "../client/client";

/** What older panels kept in their settings. */
export interface LegacyPartSets {
  /** the user's names, by factorisation id */
  names: Record<string, string>;
  /** the chosen set, by "model/layer" */
  defaults: Record<string, string>;
}

export const NO_LEGACY_PART_SETS: LegacyPartSets = { names: {}, defaults: {} };

const NO_NOTES: Notes = { name: null, parts: {}, appearances: {}, favourites: [] };

/** The name shown for a set: ★ for the chosen one; the user's own name says how many parts. */
export function partSetLabel(set: FactorisationSummary): string {
  const base = set.notes.name ? `${set.title} · ${set.ranks.parts} parts` : set.title;
  return set.default ? `★ ${base}` : base;
}

/** The set to show when none is picked: the user's chosen one, else a shipped one, else the oldest (never silently the newest). */
export function initialPartSet(sets: readonly FactorisationSummary[]): string | null {
  return (sets.find((s) => s.default) ?? sets.find((s) => s.readOnly) ?? sets.at(-1))?.id ?? null;
}

/** The notes of the set with this id, or none. */
export function notesOf(sets: readonly FactorisationSummary[], id: string | null): Notes {
  return sets.find((s) => s.id === id)?.notes ?? NO_NOTES;
}

/** A label for display: "12" or "12 · blond". */
export function labelled(index: number, labels: Record<string, string>): string {
  const label = labels[String(index)];
  return label ? `${index} · ${label}` : String(index);
}

/**
 * The changes that move a panel's own names and chosen sets onto the server, for the sets listed
 * (a name the server already has wins), and what stays for sets not listed yet.
 */
export function legacyPatches(legacy: LegacyPartSets, sets: readonly FactorisationSummary[]): { patches: [string, NotesPatchRequest][]; left: LegacyPartSets } {
  const byId = new Map(sets.map((s) => [s.id, s]));
  const patches = new Map<string, NotesPatchRequest>();
  const left: LegacyPartSets = { names: {}, defaults: {} };
  for (const [id, name] of Object.entries(legacy.names)) {
    const set = byId.get(id);
    if (!set) left.names[id] = name;
    else if (!set.notes.name) patches.set(id, { name });
  }
  for (const [key, id] of Object.entries(legacy.defaults)) {
    const set = byId.get(id);
    if (!set) left.defaults[key] = id;
    else if (!sets.some((s) => s.default && s.model === set.model && s.layer === set.layer)) patches.set(id, { ...patches.get(id), default: true });
  }
  return { patches: [...patches.entries()], left };
}

export function checkLegacyPartSets(value: unknown): LegacyPartSets {
  const record = (v: unknown): Record<string, string> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string")) : {};
  const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  return { names: record(v.names), defaults: record(v.defaults) };
}
