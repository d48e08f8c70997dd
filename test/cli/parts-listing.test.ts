/**
 * `panda parts` lists the part sets of a data folder with the names, labels, favourites and chosen
 * set a panel gave them through the server; bad input is one line and a non-zero exit.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { plantedModel, savePlanted } from "../engine/product/fixtures";
import { buildTestApp, tempDir } from "../helpers/server";

const BIN = join(__dirname, "..", "..", "companion-server", "bin", "panda.js");
const TINY = join(__dirname, "..", "..", "models", "tiny-test");

const data = tempDir("panda-parts-cli-");
afterAll(() => data.remove());

function panda(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, "parts", "--models", TINY, "--data-dir", data.dir, ...args], { encoding: "utf8", env: { ...process.env, PANDA_MODELS: "" } });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

it("shows the names, labels, favourites and chosen set that a panel gave through the server", async () => {
  const { app, close } = await buildTestApp({ dataDir: data.dir, modelDirs: [TINY] });
  try {
    const planted = await plantedModel(app.generators.get("tiny-test")!);
    await savePlanted(data.dir, "quadrants", planted);
    await savePlanted(data.dir, "other", planted, { createdAt: "2026-02-03T04:05:00.000Z" });
    app.factorisations.load();
    const res = await app.inject({ method: "PATCH", url: "/api/factorisations/quadrants", payload: { name: "Quadrants", default: true, parts: { "1": "top right" }, favourites: { add: [3] } } });
    expect(res.statusCode).toBe(200);
  } finally {
    await close();
  }
  const out = panda("--model", "tiny-test");
  expect(out.status).toBe(0);
  const { partSets } = JSON.parse(out.stdout);
  expect(partSets).toEqual([
    expect.objectContaining({ id: "other", title: "4x4 · 4 parts · 2026-02-03 04:05", default: false, parts: 4, appearances: 16 }),
    expect.objectContaining({ id: "quadrants", title: "Quadrants", default: true, notes: { name: "Quadrants", parts: { "1": "top right" }, appearances: {}, favourites: [3] } }),
  ]);
});

it("refuses an unknown model or layer in one line", () => {
  for (const args of [["--model", "nope"], ["--model", "tiny-test", "--layer", "9x9"]]) {
    const out = panda(...args);
    expect(out.status).not.toBe(0);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toMatch(/unknown model "nope"|no layer "9x9"/);
  }
});
