/** Where things live on disk, relative to the package root. */
import { join, resolve } from "node:path";

export const PACKAGE_ROOT = resolve(__dirname, "..", "..", "..");
export const DEFAULT_MODELS_DIR = join(PACKAGE_ROOT, "models");
export const DEFAULT_WEB_ROOT = join(PACKAGE_ROOT, "dist", "web");

/** Model folders: PANDA_MODELS (path-separated) and the repository's models/. */
export function defaultModelDirs(): string[] {
  const extra = (process.env.PANDA_MODELS ?? "").split(":").filter(Boolean);
  return [...extra, DEFAULT_MODELS_DIR];
}
