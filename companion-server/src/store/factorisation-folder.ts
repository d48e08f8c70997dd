/**
 * One saved factorisation is one folder: parts.npy (S×R_S), appearances.npy (C×R_C), meta.json
 * and contact-sheet.png. Reading checks every file against the meta and against each other, so a
 * corrupted or foreign folder is reported with the file at fault; writing is atomic.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatNpy } from "../engine/io/npy";
import { Factors } from "../engine/panda/types";
import { FactorFileError, SavedFactorisation, savedFactorisation } from "./factorisation-factors";
import { writeFolderAtomic } from "../util/atomic-write";
import { FactorisationMeta, parseFactorisationMeta } from "./factorisation-meta";

export type { SavedFactorisation } from "./factorisation-factors";

export const FOLDER_FILES = {
  parts: "parts.npy",
  appearances: "appearances.npy",
  meta: "meta.json",
  contactSheet: "contact-sheet.png",
} as const;

export class FactorisationFolderError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
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
  const file = (name: keyof typeof FOLDER_FILES) => join(dir, FOLDER_FILES[name]);
  for (const name of ["parts", "appearances"] as const) if (!existsSync(file(name))) throw new FactorisationFolderError(file(name), "file not found");
  try {
    return savedFactorisation(meta, readFileSync(file("parts")), readFileSync(file("appearances")));
  } catch (err) {
    if (err instanceof FactorFileError) throw new FactorisationFolderError(file(err.file), err.message);
    throw err;
  }
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
