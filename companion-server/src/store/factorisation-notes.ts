/**
 * What the user says about saved factorisations ("part sets"): a name of their own, labels for
 * parts and appearances, favourite appearances, and the set chosen per model and layer. Kept in the
 * data folder — `<dataDir>/notes/<model>/<id>.json` and `<dataDir>/notes/defaults.json` — for
 * shipped (read-only) sets as well, written atomically, and read on every use, so every panel and
 * the CLI see the same names. A file that cannot be read counts as empty and is logged, never
 * a reason to fail a request.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Static, Type } from "@sinclair/typebox";
import Ajv from "ajv";
import { writeFileAtomic } from "../util/atomic-write";

export const NAME_MAX = 80;
export const LABEL_MAX = 60;

const Labels = Type.Record(Type.String({ pattern: "^[0-9]{1,4}$" }), Type.String({ minLength: 1, maxLength: LABEL_MAX }));

const NotesFileSchema = Type.Object({
  format: Type.Literal("panda-notes/1"),
  name: Type.Union([Type.String({ minLength: 1, maxLength: NAME_MAX }), Type.Null()]),
  parts: Labels,
  appearances: Labels,
  favourites: Type.Array(Type.Integer({ minimum: 0 }), { uniqueItems: true }),
});
type NotesFile = Static<typeof NotesFileSchema>;

const DefaultsFileSchema = Type.Object({
  format: Type.Literal("panda-defaults/1"),
  /** "model/layer" → factorisation id */
  defaults: Type.Record(Type.String(), Type.String()),
});
type DefaultsFile = Static<typeof DefaultsFileSchema>;

const ajv = new Ajv({ allErrors: true });
const validNotes = ajv.compile<NotesFile>(NotesFileSchema);
const validDefaults = ajv.compile<DefaultsFile>(DefaultsFileSchema);

export interface FactorisationNotes {
  /** the user's name of the set, or null (the automatic one) */
  name: string | null;
  /** labels by part index */
  parts: Record<string, string>;
  /** labels by appearance index */
  appearances: Record<string, string>;
  /** favourite appearances, in the order they were marked */
  favourites: number[];
}

/** A change: null or "" removes a name or label. */
export interface NotesPatch {
  name?: string | null;
  parts?: Record<string, string | null>;
  appearances?: Record<string, string | null>;
  favourites?: { add?: number[]; remove?: number[] };
}

export const NO_NOTES: FactorisationNotes = { name: null, parts: {}, appearances: {}, favourites: [] };

export const defaultKey = (model: string, layer: string) => `${model}/${layer}`;

function applyLabels(labels: Record<string, string>, patch: Record<string, string | null> | undefined, max: number): Record<string, string> {
  const out = { ...labels };
  for (const [index, label] of Object.entries(patch ?? {})) {
    const text = label?.trim().slice(0, max) ?? "";
    if (text) out[String(Number(index))] = text;
    else delete out[String(Number(index))];
  }
  return out;
}

export class NotesStore {
  constructor(
    /** `<dataDir>/notes` */
    private readonly root: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  private file(model: string, id: string): string {
    return join(this.root, model, `${id}.json`);
  }

  private get defaultsFile(): string {
    return join(this.root, "defaults.json");
  }

  private read<T>(path: string, valid: (v: unknown) => v is T): T | null {
    if (!existsSync(path)) return null;
    try {
      const json: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (valid(json)) return json;
      this.warn(`${path}: not a notes file of this version; ignored until it is written again`);
    } catch (err) {
      this.warn(`${path}: ${(err as Error).message}; ignored until it is written again`);
    }
    return null;
  }

  get(model: string, id: string): FactorisationNotes {
    const saved = this.read(this.file(model, id), validNotes);
    return saved ? { name: saved.name, parts: saved.parts, appearances: saved.appearances, favourites: saved.favourites } : NO_NOTES;
  }

  update(model: string, id: string, patch: NotesPatch): FactorisationNotes {
    const now = this.get(model, id);
    const name = patch.name === undefined ? now.name : patch.name?.trim().slice(0, NAME_MAX) || null;
    const removed = new Set(patch.favourites?.remove ?? []);
    const favourites = [...now.favourites, ...(patch.favourites?.add ?? []).filter((a) => !now.favourites.includes(a))].filter((a, i, all) => !removed.has(a) && all.indexOf(a) === i);
    const next: FactorisationNotes = {
      name,
      parts: applyLabels(now.parts, patch.parts, LABEL_MAX),
      appearances: applyLabels(now.appearances, patch.appearances, LABEL_MAX),
      favourites,
    };
    const file: NotesFile = { format: "panda-notes/1", ...next };
    writeFileAtomic(this.file(model, id), JSON.stringify(file, null, 2) + "\n");
    return next;
  }

  /** The chosen set per "model/layer". */
  defaults(): Record<string, string> {
    return this.read(this.defaultsFile, validDefaults)?.defaults ?? {};
  }

  /** Makes `id` the set of its model and layer, or (null) clears the choice there. */
  setDefault(model: string, layer: string, id: string | null): void {
    const defaults = { ...this.defaults() };
    if (id === null) delete defaults[defaultKey(model, layer)];
    else defaults[defaultKey(model, layer)] = id;
    const file: DefaultsFile = { format: "panda-defaults/1", defaults };
    writeFileAtomic(this.defaultsFile, JSON.stringify(file, null, 2) + "\n");
  }

  /** Forgets a deleted set: its notes and any default that named it. */
  forget(model: string, id: string): void {
    rmSync(this.file(model, id), { force: true });
    const defaults = this.defaults();
    for (const [key, value] of Object.entries(defaults)) if (value === id) this.setDefault(key.slice(0, key.lastIndexOf("/")), key.slice(key.lastIndexOf("/") + 1), null);
  }
}
