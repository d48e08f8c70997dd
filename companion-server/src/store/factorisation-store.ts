/**
 * Saved factorisations of every loaded model: the user's, in `<dataDir>/factorisations/<model>/<id>/`
 * (writable), and the ones shipped inside bundles, in `<bundle>/factorisations/<id>/` (read-only).
 * All are read at start, and the user folder is looked at again whenever the store is listed or an
 * id is not found, so factorisations that another process writes there (e.g. `panda decompose
 * --out` into the data folder) appear while the server runs and deleted ones disappear. A folder that cannot be used (missing file, bad JSON, shapes that do not
 * fit the model's layer, an unknown model, a duplicate id) is listed in `problems` with its file and
 * never written over: new factorisations get fresh ids and a taken folder is refused. What a save
 * interrupted by a crash left behind is cleared once, at start, and reported in `problems`.
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { FeatureShape } from "../engine/panda/types";
import { FactorisationFolderError, FolderContents, readFactorisationFolder, SavedFactorisation, writeFactorisationFolder, FOLDER_FILES } from "./factorisation-folder";
import { cleanStaleWrites } from "../util/atomic-write";

export interface StoredFactorisation extends SavedFactorisation {
  id: string;
  dir: string;
  /** shipped inside a bundle: never deleted or replaced */
  readOnly: boolean;
  hasContactSheet: boolean;
}

export interface StoreProblem {
  path: string;
  problem: string;
}

/** Where a bundle keeps its shipped factorisations. */
export interface ShippedSource {
  model: string;
  bundleDir: string;
}

export interface FactorisationStoreOptions {
  /** the writable root, `<dataDir>/factorisations` */
  userDir: string;
  shipped: ShippedSource[];
  /** the shape of a model's layer, or a sentence saying why there is none */
  layerShape: (model: string, layer: string) => FeatureShape | string;
}

export class StoreError extends Error {
  constructor(
    readonly kind: "exists" | "read-only" | "unknown",
    message: string,
  ) {
    super(message);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // removed between listing and looking
  }
}

function subfolders(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  // Dot-folders are atomic writes in progress or left behind by a crash.
  return names
    .filter((name) => !name.startsWith("."))
    .map((name) => join(dir, name))
    .filter(isDirectory);
}

export class FactorisationStore {
  private readonly entries = new Map<string, StoredFactorisation>();
  problems: StoreProblem[] = [];
  /** leftovers of interrupted saves found at start (only then: later a save may be under way) */
  private readonly cleared: StoreProblem[];

  constructor(private readonly options: FactorisationStoreOptions) {
    this.cleared = subfolders(options.userDir).flatMap((modelDir) =>
      cleanStaleWrites(modelDir).map((w) => ({
        path: w.path,
        problem: w.action === "removed" ? "an interrupted save left this temporary folder; it was removed" : "an interrupted replacement left the previous version here; it was put back",
      })),
    );
    this.load();
  }

  /** (Re)reads every folder. */
  load(): void {
    this.entries.clear();
    this.problems = [...this.cleared];
    for (const source of this.options.shipped) {
      for (const dir of subfolders(join(source.bundleDir, "factorisations"))) this.add(dir, source.model, true);
    }
    this.refresh();
  }

  /**
   * Picks up user folders that appeared since, retries the ones that had problems (a folder being
   * copied in is incomplete for a while) and forgets user folders that are gone.
   */
  refresh(): void {
    for (const [id, entry] of this.entries) if (!entry.readOnly && !existsSync(entry.dir)) this.entries.delete(id);
    const userDir = this.options.userDir;
    this.problems = this.problems.filter((p) => !p.path.startsWith(userDir) || this.cleared.includes(p));
    const known = new Set([...this.entries.values()].map((e) => e.dir));
    for (const modelDir of subfolders(userDir)) {
      const model = modelDir.split(/[\\/]/).pop() as string;
      for (const dir of subfolders(modelDir)) if (!known.has(dir)) this.add(dir, model, false);
    }
  }

  private add(dir: string, model: string, readOnly: boolean): void {
    try {
      const saved = readFactorisationFolder(dir);
      const { meta } = saved;
      const folderName = dir.split(/[\\/]/).pop();
      if (folderName !== meta.id) throw new FactorisationFolderError(join(dir, FOLDER_FILES.meta), `id "${meta.id}" differs from the folder name "${folderName}"`);
      if (meta.model !== model || meta.layer === null)
        throw new FactorisationFolderError(join(dir, FOLDER_FILES.meta), `model "${meta.model}" / layer "${meta.layer}" does not belong in the folder of model "${model}"`);
      const shape = this.options.layerShape(model, meta.layer);
      if (typeof shape === "string") throw new FactorisationFolderError(join(dir, FOLDER_FILES.meta), shape);
      const s = meta.shape;
      if (s.channels !== shape.channels || s.height !== shape.height || s.width !== shape.width)
        throw new FactorisationFolderError(
          join(dir, FOLDER_FILES.meta),
          `shape ${s.channels}×${s.height}×${s.width} does not fit layer "${meta.layer}" of model "${model}" (${shape.channels}×${shape.height}×${shape.width})`,
        );
      const taken = this.entries.get(meta.id);
      if (taken) throw new FactorisationFolderError(dir, `id "${meta.id}" is already used by ${taken.dir}`);
      this.entries.set(meta.id, { ...saved, id: meta.id, dir, readOnly, hasContactSheet: existsSync(join(dir, FOLDER_FILES.contactSheet)) });
    } catch (err) {
      const problem = err instanceof FactorisationFolderError ? { path: err.file, problem: err.problem } : { path: dir, problem: (err as Error).message };
      this.problems.push(problem);
    }
  }

  list(filter: { model?: string; layer?: string } = {}): StoredFactorisation[] {
    this.refresh();
    return [...this.entries.values()]
      .filter((f) => (filter.model === undefined || f.meta.model === filter.model) && (filter.layer === undefined || f.meta.layer === filter.layer))
      .sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
  }

  get(id: string): StoredFactorisation | undefined {
    if (!this.entries.has(id)) this.refresh();
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /**
   * Why `id` cannot be saved for `model`, or null: an id in use, or a folder of that name — loaded
   * or not (a corrupted one stays until the user removes it) — compared without case, as macOS
   * and Windows compare names.
   */
  nameTaken(model: string, id: string): string | null {
    const lower = id.toLowerCase();
    const used = [...this.entries.keys()].find((k) => k.toLowerCase() === lower);
    if (used !== undefined) return `a factorisation "${used}" exists already`;
    const modelDir = join(this.options.userDir, model);
    const folder = existsSync(modelDir) ? readdirSync(modelDir).find((name) => name.toLowerCase() === lower) : undefined;
    if (folder !== undefined) return `the folder ${join(modelDir, folder)} exists already (it could not be loaded: see problems in GET /api/factorisations)`;
    return null;
  }

  /** Saves into the user folder of `meta.model`; refuses an id or a folder that is taken. */
  async save(contents: FolderContents): Promise<StoredFactorisation> {
    const { meta } = contents;
    if (meta.model === null) throw new StoreError("unknown", "a factorisation without a model cannot be stored");
    const dir = join(this.options.userDir, meta.model, meta.id);
    const taken = this.nameTaken(meta.model, meta.id);
    if (taken !== null) throw new StoreError("exists", `${taken}; choose another name`);
    await writeFactorisationFolder(dir, contents);
    const stored: StoredFactorisation = {
      meta,
      factors: contents.factors,
      saliency: meta.saliency,
      background: meta.background,
      id: meta.id,
      dir,
      readOnly: false,
      hasContactSheet: contents.contactSheet !== undefined,
    };
    this.entries.set(meta.id, stored);
    return stored;
  }

  delete(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) throw new StoreError("unknown", `no factorisation "${id}"`);
    if (entry.readOnly) throw new StoreError("read-only", `factorisation "${id}" ships with its model and cannot be deleted`);
    rmSync(entry.dir, { recursive: true, force: true });
    this.entries.delete(id);
  }
}
