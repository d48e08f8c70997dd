/**
 * Edit strengths in calibrated per-appearance units (companion-server/src/api/strength.ts): the
 * CLI's --strength, the HTTP API's edits (the panel's slider) and meta.json's strengthScales are one
 * definition — λ = strength × (max − min)/2 of the appearance's coordinates — and folders saved
 * before strengthScales existed load with the same scales.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appearanceScale, appearanceScales, STRENGTH_LIMIT, toFeatureStrengths } from "../../companion-server/src/api/strength";
import { imagePartsForSeed, openRuntime } from "../../companion-server/src/cli/commands/common";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { readFactorisationFolder } from "../../companion-server/src/store/factorisation-folder";
import { buildTestApp, tempDir, tinyModelsDir } from "../helpers/server";

const BIN = join(__dirname, "..", "..", "companion-server", "bin", "panda.js");

test("an appearance's scale is half the span of its coordinates; one that never varies keeps raw λ", () => {
  expect(appearanceScale(-3, 5)).toBe(4);
  expect(appearanceScales({ min: [0, -1, 2], max: [1, 1, 2] })).toEqual([0.5, 1, 1]);
  expect(appearanceScale(Number.NaN, 1)).toBe(1);
  expect(toFeatureStrengths([{ parts: [0], appearance: 1, strength: -1.5 }], [2, 4])).toEqual([{ parts: [0], appearance: 1, strength: -6 }]);
  expect(STRENGTH_LIMIT).toBe(4);
});

describe("panda edit --strength and the HTTP edits", () => {
  let models: { dir: string; remove: () => void };
  let data: { dir: string; remove: () => void };
  let folder: string;
  beforeAll(async () => {
    models = await tinyModelsDir();
    data = tempDir("panda-strength-");
    folder = join(data.dir, "factorisations", "tiny-test", "units");
    ok("decompose", "--model", "tiny-test", "--layer", "8x8", "--samples", "32", "--parts", "4", "--appearances", "8", "--seed", "3", "--out", folder);
  });
  afterAll(() => {
    models.remove();
    data.remove();
  });

  function panda(...args: string[]) {
    const res = spawnSync(process.execPath, [BIN, ...args, "--models", models.dir], { cwd: data.dir, encoding: "utf8", env: { ...process.env, PANDA_MODELS: "" } });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  }
  function ok(...args: string[]) {
    const res = panda(...args);
    if (res.status !== 0) throw new Error(`panda ${args.join(" ")} exited ${res.status}: ${res.stderr}`);
    return JSON.parse(res.stdout);
  }
  const edit = (out: string, appearance: number, strength: number) =>
    ok("edit", "--model", "tiny-test", "--factorisation", folder, "--seed", "5", "--parts", "1", "--appearance", String(appearance), "--strength", String(strength), "--out", join(data.dir, out));
  const editedPixels = (out: string) => decodePng(readFileSync(join(data.dir, out, "edited.png"))).rgba;

  it("records each appearance's scale in meta.json: half the span of its saliency statistics", () => {
    const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
    expect(meta.strengthScales).toHaveLength(8);
    meta.strengthScales.forEach((scale: number, c: number) => expect(scale).toBeCloseTo((meta.saliency.max[c] - meta.saliency.min[c]) / 2, 10));
    expect(Math.max(...meta.strengthScales) / Math.min(...meta.strengthScales)).toBeGreaterThan(1.2); // raw λ would mean different things per appearance
  });

  it("--strength s is λ = s × strengthScales[c]: the CLI's image is the engine's edit at that λ", async () => {
    const scales: number[] = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")).strengthScales;
    const result = edit("cli-1", 2, 1.5);
    expect(result.edits).toEqual([{ parts: [1], appearance: 2, strength: 1.5, lambda: 1.5 * scales[2] }]);

    const runtime = openRuntime({ models: [models.dir], device: "cpu" });
    try {
      const { parts } = await imagePartsForSeed(runtime, { model: "tiny-test", factorisation: folder, seed: 5 });
      const raw = await parts.edit([{ parts: [1], appearance: 2, strength: 1.5 * scales[2] }]);
      expect(Buffer.from(editedPixels("cli-1")).equals(Buffer.from(raw.image.rgba))).toBe(true);
      const unscaled = await parts.edit([{ parts: [1], appearance: 2, strength: 1.5 }]);
      expect(Buffer.from(editedPixels("cli-1")).equals(Buffer.from(unscaled.image.rgba))).toBe(false);
    } finally {
      await runtime.close();
    }
  });

  it("the HTTP API (the panel's slider) takes the same units: the same strength gives the CLI's pixels", async () => {
    const { app, close } = await buildTestApp({ modelDirs: [models.dir], dataDir: data.dir });
    try {
      const generated = await app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed: 5 } });
      const image = generated.headers["x-image-id"] as string;
      const res = await app.inject({
        method: "POST",
        url: `/api/images/${image}/edits`,
        headers: { accept: "application/octet-stream" },
        payload: { factorisation: "units", edits: [{ parts: [1], appearance: 2, strength: 1.5 }] },
      });
      expect(res.statusCode).toBe(200);
      expect(Buffer.from(res.rawPayload).equals(Buffer.from(editedPixels("cli-1")))).toBe(true);
      const detail = (await app.inject({ method: "GET", url: "/api/factorisations/units" })).json();
      expect(detail.strengthScales).toEqual(JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")).strengthScales);
    } finally {
      await close();
    }
  });

  it("a folder saved before strengthScales existed loads with the same scales and edits alike", () => {
    const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
    const { strengthScales, ...old } = meta;
    writeFileSync(join(folder, "meta.json"), JSON.stringify(old));
    expect(readFactorisationFolder(folder).meta.strengthScales).toEqual(strengthScales);
    expect(edit("cli-old", 2, 1.5).edits[0].lambda).toBe(1.5 * strengthScales[2]);
    expect(Buffer.from(editedPixels("cli-old")).equals(Buffer.from(editedPixels("cli-1")))).toBe(true);
  });

  it("refuses recorded scales that do not match the appearances, naming the field", () => {
    const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")); // as the test before left it: without strengthScales
    writeFileSync(join(folder, "meta.json"), JSON.stringify({ ...meta, strengthScales: [1, 2] }));
    const res = panda("edit", "--model", "tiny-test", "--factorisation", folder, "--seed", "5", "--parts", "1", "--appearance", "2", "--strength", "1", "--out", join(data.dir, "never"));
    expect(res.status).not.toBe(0);
    expect(res.stderr.trim()).toMatch(/^panda: factorisation .*meta\.json: strengthScales has 2 values, ranks\.appearances is 8$/);
    writeFileSync(join(folder, "meta.json"), JSON.stringify({ ...meta, strengthScales: new Array(8).fill(0) }));
    expect(panda("edit", "--model", "tiny-test", "--factorisation", folder, "--seed", "5", "--parts", "1", "--appearance", "2", "--strength", "1", "--out", join(data.dir, "never")).stderr).toMatch(/strengthScales\/0 must be > 0/);
  });
});
