/**
 * A saved factorisation as the API and the CLI list it: its meta, and what the user said about it
 * (name, labels, favourites, whether it is the chosen set) with the title to show. The mapping
 * itself is factorisation-description.ts, which the in-browser engine shares.
 */
import { FactorisationDetail, FactorisationSummary } from "../api/factorisations";
import { StoredFactorisation } from "./factorisation-store";
import { defaultKey, NotesStore } from "./factorisation-notes";
import { describeMeta, FactorisationPlace, summariseMeta } from "./factorisation-description";

function place(f: StoredFactorisation, notes: NotesStore, defaults: Record<string, string>): FactorisationPlace {
  const m = f.meta;
  return {
    readOnly: f.readOnly,
    contactSheet: f.hasContactSheet ? `/api/factorisations/${encodeURIComponent(f.id)}/contact-sheet.png` : null,
    notes: notes.get(m.model as string, f.id),
    default: defaults[defaultKey(m.model as string, m.layer as string)] === f.id,
  };
}

export function summarise(f: StoredFactorisation, notes: NotesStore, defaults: Record<string, string> = notes.defaults()): FactorisationSummary {
  return summariseMeta(f.meta, place(f, notes, defaults));
}

export function describe(f: StoredFactorisation, notes: NotesStore): FactorisationDetail {
  return describeMeta(f.meta, place(f, notes, notes.defaults()));
}
