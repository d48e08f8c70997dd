/**
 * Bundle files fetched by URL for the in-browser engine: each download reports its progress
 * (bytes so far of all files asked for), and lands in the Cache API keyed by the file's content
 * hash, so a second visit starts without the network and a rebuilt site never serves stale
 * weights; the entries of a previous build (older hashes, files it no longer has) are deleted
 * (pruneStale), so the cache holds one copy of the site, not one per build. Where the Cache API is missing (plain http on a LAN address, Node) files are fetched.
 */
import type { FetchLike } from "../client/http-client";
import type { SiteFile } from "./static-site";
import { once } from "./once";

export const CACHE_NAME = "panda-studio-bundles-v1";

export interface DownloadProgress {
  /** the file now arriving (a path relative to the site) */
  file: string;
  /** bytes received so far, over every file fetched since the last reset */
  loaded: number;
  /** bytes expected over those files */
  total: number;
  /** true when this file came from the cache */
  cached: boolean;
}

export interface BundleFilesOptions {
  /** the site root, absolute, ending in "/" */
  siteUrl: string;
  /** sizes and hashes of the site's files (panda-site.json) */
  files: Record<string, SiteFile>;
  fetch?: FetchLike;
  /** null: no cache (the default where `caches` is missing) */
  cache?: CacheStorage | null;
  onProgress?: (progress: DownloadProgress) => void;
}

export class BundleFileError extends Error {}

export class BundleFiles {
  private readonly fetchImpl: FetchLike;
  private readonly cache: CacheStorage | null;
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private loaded = 0;
  private total = 0;

  constructor(private readonly options: BundleFilesOptions) {
    this.fetchImpl = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.cache = options.cache !== undefined ? options.cache : (globalThis.caches ?? null);
  }

  /** The file's bytes (fetched once per page; concurrent callers share the download). */
  bytes(path: string): Promise<Uint8Array> {
    return once(this.pending, path, () => this.load(path));
  }

  async json(path: string): Promise<unknown> {
    const bytes = await this.bytes(path);
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new BundleFileError(`${path} is not JSON: ${(err as Error).message}`);
    }
  }

  /** The file's address, versioned by its content hash. */
  url(path: string): string {
    const info = this.options.files[path];
    return new URL(path + (info ? `?v=${info.sha256.slice(0, 16)}` : ""), this.options.siteUrl).href;
  }

  /**
   * Deletes this site's cached files that the current build does not have at that hash (under
   * this site's root only: other sites of the origin keep theirs). Returns the URLs deleted.
   */
  async pruneStale(): Promise<string[]> {
    const store = await this.openCache();
    if (!store) return [];
    const current = new Set(Object.keys(this.options.files).map((path) => this.url(path)));
    const stale = (await store.keys()).map((request) => request.url).filter((url) => url.startsWith(this.options.siteUrl) && !current.has(url));
    await Promise.all(stale.map((url) => store.delete(url).catch(() => false)));
    return stale;
  }

  private async load(path: string): Promise<Uint8Array> {
    const info = this.options.files[path];
    if (!info) throw new BundleFileError(`${path} is not part of this site (panda-site.json does not list it)`);
    const url = this.url(path);
    this.total += info.bytes;
    const store = await this.openCache();
    const hit = await store?.match(url).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      this.report(path, bytes.length, true);
      return bytes;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method: "GET" });
    } catch (err) {
      throw new BundleFileError(`cannot download ${url}: ${(err as Error).message}`);
    }
    if (!response.ok) throw new BundleFileError(`cannot download ${url}: the site answered ${response.status} ${response.statusText}`);
    const bytes = await this.read(path, response);
    if (bytes.length !== info.bytes) throw new BundleFileError(`${url} has ${bytes.length} bytes, panda-site.json says ${info.bytes}; rebuild the site or clear the browser's cache`);
    // a full disk or private mode must not fail the download
    await store?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": "application/octet-stream" } })).catch(() => undefined);
    return bytes;
  }

  /** Reads the body in chunks, reporting each. */
  private async read(path: string, response: Response): Promise<Uint8Array> {
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      this.report(path, bytes.length, false);
      return bytes;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      this.report(path, value.length, false);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  }

  private report(file: string, received: number, cached: boolean): void {
    this.loaded += received;
    this.options.onProgress?.({ file, loaded: this.loaded, total: Math.max(this.total, this.loaded), cached });
  }

  private async openCache(): Promise<Cache | null> {
    if (!this.cache) return null;
    try {
      return await this.cache.open(CACHE_NAME);
    } catch {
      return null; // e.g. storage blocked by the browser's settings
    }
  }
}
