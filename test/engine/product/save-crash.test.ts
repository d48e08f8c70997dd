/**
 * Saves survive a kill at every step: a process saving a factorisation is SIGKILLed at each file
 * system step in turn (write, fsync, rename, mkdir). Afterwards the store, started again, shows
 * the earlier factorisation byte for byte, the new one either complete or absent (never half), and
 * no temporary folder — what the crash left is removed and reported.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FactorisationStore } from "../../../companion-server/src/store/factorisation-store";
import { quadrantFactors, savePlanted, tempDir, TINY_SHAPE } from "./fixtures";

const CRASH_MODEL = {
  factors: quadrantFactors(),
  saliency: { samples: 3, min: new Array(16).fill(-1), max: new Array(16).fill(2), mean: new Array(16).fill(0.5) },
  background: { part: 1, appearance: 4 },
};

const CHILD = join(__dirname, "crashing-save.ts");
// In-process TypeScript (tsx's CLI would run the script in a child of its own and hide the signal).
const run = (dataDir: string, killAt: number) => spawnSync(process.execPath, ["--import", "tsx", CHILD, dataDir, String(killAt)], { encoding: "utf8" });
const storeOf = (dataDir: string) => new FactorisationStore({ userDir: join(dataDir, "factorisations"), shipped: [], layerShape: () => TINY_SHAPE });
const filesOf = (dir: string) => Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString("base64")]));

it("leaves the earlier save intact and the new one whole or absent, whichever step the kill hits", async () => {
  const base = tempDir();
  try {
    const seed = join(base.dir, "seed");
    const kept = await savePlanted(seed, "kept", CRASH_MODEL);
    const keptFiles = filesOf(kept);

    const whole = join(base.dir, "whole");
    cpSync(seed, whole, { recursive: true });
    const clean = run(whole, 0);
    expect(clean.status).toBe(0);
    const steps = Number(clean.stdout.trim());
    expect(steps).toBeGreaterThanOrEqual(8); // mkdir, four files, their fsyncs, the rename, the folder syncs
    const freshFiles = filesOf(join(whole, "factorisations", "tiny-test", "fresh"));

    const outcomes: string[] = [];
    for (let k = 1; k <= steps; k++) {
      const dataDir = join(base.dir, `kill-${k}`);
      cpSync(seed, dataDir, { recursive: true });
      const res = run(dataDir, k);
      expect(res.signal).toBe("SIGKILL");
      const store = storeOf(dataDir);
      const modelDir = join(dataDir, "factorisations", "tiny-test");
      expect(readdirSync(modelDir).filter((n) => n.startsWith("."))).toEqual([]);
      expect(filesOf(join(modelDir, "kept"))).toEqual(keptFiles);
      const fresh = store.get("fresh");
      if (fresh) expect(filesOf(fresh.dir)).toEqual(freshFiles);
      else expect(readdirSync(modelDir)).toEqual(["kept"]);
      expect(store.problems.every((p) => /interrupted save/.test(p.problem))).toBe(true);
      outcomes.push(fresh ? "saved" : store.problems.length > 0 ? "cleared" : "absent");
    }
    // Early kills leave nothing or a temporary folder (cleared); kills after the rename leave the whole save.
    expect(outcomes).toContain("cleared");
    expect(outcomes.at(-1)).toBe("saved");
  } finally {
    base.remove();
  }
});
