/**
 * The standalone site's table of contents (`panda-site.json`, written by `npm run build:static`):
 * where ONNX Runtime Web's files are and which bundles the site carries, with each file's size
 * and content hash (the hash versions the download cache; the size drives progress when a
 * server sends no Content-Length). Its presence is what tells a page it can run without a server.
 */
export const SITE_FILE = "panda-site.json";
export const SITE_FORMAT = "panda-static/1";

export interface SiteFile {
  bytes: number;
  /** hex SHA-256 of the content (a prefix is enough to version a URL) */
  sha256: string;
}

export interface SiteModel {
  id: string;
  /** the bundle's folder, relative to the site root, ending in "/" */
  path: string;
  /** the layers whose head and tail the site carries (a subset of model.json's) */
  layers: string[];
  /** ids of the saved factorisations under <path>factorisations/ */
  factorisations: string[];
}

export interface SiteManifest {
  format: typeof SITE_FORMAT;
  /** ONNX Runtime Web's scripts and .wasm files, relative to the site root, ending in "/" */
  ort: string;
  models: SiteModel[];
  /** every bundle file by its path relative to the site root */
  files: Record<string, SiteFile>;
}

/** A readable refusal of a table of contents this page cannot use. */
export function parseSiteManifest(json: unknown): SiteManifest {
  const site = json as Partial<SiteManifest> | null;
  if (!site || site.format !== SITE_FORMAT) throw new Error(`${SITE_FILE} is not a PandA static site (format must be "${SITE_FORMAT}"); rebuild it with "npm run build:static"`);
  if (typeof site.ort !== "string" || !Array.isArray(site.models) || typeof site.files !== "object" || site.files === null) throw new Error(`${SITE_FILE} lacks ort, models or files; rebuild it with "npm run build:static"`);
  return site as SiteManifest;
}
