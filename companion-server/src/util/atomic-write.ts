/**
 * Atomic, durable writes: a reader (or a crash, or a power loss) never sees a half-written file or
 * folder under the final name, and what was saved before stays intact until the new version is
 * complete. Files and folders are fsync'd before the rename (so the name never points at data
 * still in the page cache) and the parent folder after it (so the rename itself is on disk).
 * What a crash leaves behind is a dot-named sibling that cleanStaleWrites removes.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

/** `.name.<8 hex>.tmp` (being written) and `.name.<8 hex>.old` (being replaced). */
const LEFTOVER = /^\.(.+)\.[0-9a-f]{8}\.(tmp|old)$/;

/** fsync of a file or a folder; folders cannot be opened for sync on Windows, where renames are durable anyway. */
function syncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if (process.platform === "win32") return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    // Some file systems refuse fsync on folders (EINVAL/EISDIR on Windows shares); the data files were synced.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw err;
  } finally {
    closeSync(fd);
  }
}

function leftoverName(target: string, kind: "tmp" | "old", suffix: string): string {
  return join(dirname(target), `.${basename(target)}.${suffix}.${kind}`);
}

export function writeFileAtomic(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = leftoverName(file, "tmp", randomBytes(4).toString("hex"));
  try {
    writeFileSync(tmp, data, { mode: options.mode });
    syncPath(tmp);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncPath(dirname(file));
}

/**
 * Fills a fresh sibling folder with `fill`, syncs it, then swaps it into place. The previous folder,
 * if any, is removed only after the new one is in place.
 */
export async function writeFolderAtomic(dir: string, fill: (tmpDir: string) => void | Promise<void>): Promise<void> {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(4).toString("hex");
  const tmp = leftoverName(dir, "tmp", suffix);
  const old = leftoverName(dir, "old", suffix);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    for (const name of readdirSync(tmp)) syncPath(join(tmp, name));
    syncPath(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const hadOld = existsSync(dir);
  if (hadOld) renameSync(dir, old);
  renameSync(tmp, dir);
  syncPath(parent);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

export interface StaleWrite {
  path: string;
  /** what was done with it */
  action: "removed" | "restored";
}

/**
 * Clears what crashed writes left in `parent`: a `.tmp` sibling is never complete for sure, so it
 * goes; an `.old` sibling whose target is missing is the last good version (the crash came between
 * the two renames), so it is put back; an `.old` beside its target was already replaced, so it goes.
 */
export function cleanStaleWrites(parent: string): StaleWrite[] {
  if (!existsSync(parent)) return [];
  const done: StaleWrite[] = [];
  for (const name of readdirSync(parent).sort()) {
    const m = LEFTOVER.exec(name);
    if (!m) continue;
    const path = join(parent, name);
    const target = join(parent, m[1]);
    if (m[2] === "old" && !existsSync(target)) {
      renameSync(path, target);
      done.push({ path, action: "restored" });
    } else {
      rmSync(path, { recursive: true, force: true });
      done.push({ path, action: "removed" });
    }
  }
  if (done.length > 0) syncPath(parent);
  return done;
}
