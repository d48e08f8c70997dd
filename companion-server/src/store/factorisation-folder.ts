/**
 * One saved factorisation is one folder: parts.npy (S×R_S), appearances.npy (C×R_C), meta.json
 * and contact-sheet.png. Reading checks every file against the meta and against each other, so a
 * corrupted or foreign folder is reported with the file at fault; writing is atomic.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatNpy, parseNpy, toFloat32 } from "../engine/io/npy";
import { Factors } from "../engine/panda/types";
import { FactorisationModel } from "../engine/panda/image-parts";
import { writeFolderAtomic } from "../util/atomic-write";
import { FactorisationMeta, parseFactorisationMeta } from "./factorisation-meta";

export const FOLDER_FILES = {
  parts: "parts.npy",
  appearances: "appearances.npy",
  meta: "meta.json",
  contactSheet: "contact-sheet.png",
} as const;

export interface SavedFactorisation extends FactorisationModel {
  meta: FactorisationMeta;
}

export class FactorisationFolderError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

function readMatrix(dir: string, file: string, rows: number, cols: number, what: string): Float32Array {
  const path = join(dir, file);
  if (!existsSync(path)) throw new FactorisationFolderError(path, "file not found");
  let array;
  try {
    array = parseNpy(readFileSync(path));
  } catch (err) {
    throw new FactorisationFolderError(path, (err as Error).message);
  }
  if (array.shape.length !== 2 || array.shape[0] !== rows || array.shape[1] !== cols)
    throw new FactorisationFolderError(path, `${what} has shape (${array.shape.join(", ")}), meta.json says (${rows}, ${cols})`);
  const data = toFloat32(array);
  if (!data.every(Number.isFinite)) throw new FactorisationFolderError(path, `${what} holds NaN or infinite values`);
  return data;
}

export function readFactorisationFolder(dir: string): SavedFactorisation {
  const metaPath = join(dir, FOLDER_FILES.meta);
  if (!existsSync(metaPath)) throw new FactorisationFolderError(metaPath, "file not found");
  let meta: FactorisationMeta;
  try {
    meta = parseFactorisationMeta(JSON.parse(readFileSync(metaPath, "utf8")));
  } catch (err) {
    throw new FactorisationFolderError(metaPath, err instanceof SyntaxError ? `bad JSON (${err.message})` : (err as Error).message);
  }
  const { channels, height, width } = meta.shape;
  const parts = readMatrix(dir, FOLDER_FILES.parts, height * width, meta.ranks.parts, "P");
  const appearances = readMatrix(dir, FOLDER_FILES.appearances, channels, meta.ranks.appearances, "A");
  if (parts.some((v) => v < 0)) throw new FactorisationFolderError(join(dir, FOLDER_FILES.parts), "P has negative values (parts must be non-negative)");
  const factors: Factors = { shape: meta.shape, partsRank: meta.ranks.parts, appearancesRank: meta.ranks.appearances, parts, appearances };
  return { meta, factors, saliency: meta.saliency, background: meta.background };
}

export interface FolderContents {
  meta: FactorisationMeta;
  factors: Factors;
  /** PNG bytes; omitted when there is nothing to draw */
  contactSheet?: Buffer;
  /** more files to write alongside (e.g. the CLI's report.json) */
  extra?: Record<string, string | Buffer>;
}

/** Writes the folder atomically: a failure leaves what was there before untouched. */
export async function writeFactorisationFolder(dir: string, contents: FolderContents): Promise<void> {
  const { factors, meta } = contents;
  const s = factors.shape.height * factors.shape.width;
  await writeFolderAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, FOLDER_FILES.parts), formatNpy({ dtype: "float32", shape: [s, factors.partsRank], data: factors.parts }));
    writeFileSync(join(tmp, FOLDER_FILES.appearances), formatNpy({ dtype: "float32", shape: [factors.shape.channels, factors.appearancesRank], data: factors.appearances }));
    writeFileSync(join(tmp, FOLDER_FILES.meta), JSON.stringify(meta, null, 2) + "\n");
    if (contents.contactSheet) writeFileSync(join(tmp, FOLDER_FILES.contactSheet), contents.contactSheet);
    for (const [name, data] of Object.entries(contents.extra ?? {})) writeFileSync(join(tmp, name), data);
  });
}
