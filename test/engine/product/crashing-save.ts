/**
 * A process that saves one factorisation through the store and kills itself with SIGKILL at file
 * system step `killAt` (every write, fsync, rename, mkdir and removal counts; 0: never) — a crash
 * or power cut at that point of a save. Run by save-crash.test.ts; prints the step count when it lives.
 * Usage: tsx crashing-save.ts <dataDir> <killAt>
 */
import fs from "node:fs";
import { join } from "node:path";
import { FactorisationStore } from "../../../companion-server/src/store/factorisation-store";
import { readFactorisationFolder } from "../../../companion-server/src/store/factorisation-folder";

const [dataDir, killAtText] = process.argv.slice(2);
const killAt = Number(killAtText);
let steps = 0;
const mutable = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const name of ["writeFileSync", "fsyncSync", "renameSync", "mkdirSync", "rmSync"]) {
  const original = mutable[name];
  mutable[name] = (...args: unknown[]) => {
    if (++steps === killAt) process.kill(process.pid, "SIGKILL");
    return original(...args);
  };
}

/** Saves a copy of the data folder's "kept" factorisation as "fresh" (few imports: each run starts a process). */
async function main() {
  const kept = readFactorisationFolder(join(dataDir, "factorisations", "tiny-test", "kept"));
  const store = new FactorisationStore({ userDir: join(dataDir, "factorisations"), shipped: [], layerShape: () => kept.factors.shape });
  steps = 0; // count the save only, not the store's start
  await store.save({ meta: { ...kept.meta, id: "fresh", name: "fresh" }, factors: kept.factors, contactSheet: Buffer.from("png bytes") });
  process.stdout.write(`${steps}\n`);
}
void main();
