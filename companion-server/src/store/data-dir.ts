/** The user's data folder: `--data-dir`, else env PANDA_DATA_DIR, else ~/.panda-studio. */
import { homedir } from "node:os";
import { join } from "node:path";

export function defaultDataDir(): string {
  return process.env.PANDA_DATA_DIR || join(homedir(), ".panda-studio");
}

/** Where the user's factorisations live: one sub-folder per model. */
export function factorisationsDir(dataDir: string): string {
  return join(dataDir, "factorisations");
}

/** Where the user's names, labels, favourites and chosen sets live (store/factorisation-notes.ts). */
export function notesDir(dataDir: string): string {
  return join(dataDir, "notes");
}
