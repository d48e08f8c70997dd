/** Saved factorisations on disk: round trips, atomic writes, corrupted and foreign folders, no silent overwrite. */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatNpy } from "../../../companion-server/src/engine/io/npy";
import { FactorisationModel } from "../../../companion-server/src/engine/panda/image-parts";
import { readFactorisationFolder, writeFactorisationFolder } from "../../../companion-server/src/store/factorisation-folder";
import { FactorisationStore } from "../../../companion-server/src/store/factorisation-store";
import { plantedMeta, quadrantFactors, savePlanted, tempDir, TINY_SHAPE } from "./fixtures";

const model: FactorisationModel = {
  factors: quadrantFactors(),
  saliency: { samples: 3, min: new Array(16).fill(-1), max: new Array(16).fill(2), mean: new Array(16).fill(0.5) },
  background: { part: 1, appearance: 4 },
};

let tmp: { dir: string; remove: () => void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const storeOf = (dataDir: string, shipped: { model: string; bundleDir: string }[] = []) =>
  new FactorisationStore({
    userDir: join(dataDir, "factorisations"),
    shipped,
    layerShape: (m, l) => (m !== "tiny-test" ? `model "${m}" is not loaded` : l === "4x4" ? TINY_SHAPE : l === "8x8" ? { channels: 8, height: 8, width: 8 } : `no layer "${l}"`),
  });

it("writes and reads a folder back exactly", async () => {
  const dir = await savePlanted(tmp.dir, "a", model);
  expect(readdirSync(dir).sort()).toEqual(["appearances.npy", "meta.json", "parts.npy"]);
  const back = readFactorisationFolder(dir);
  expect(back.meta).toEqual(plantedMeta("a", model));
  expect(Array.from(back.factors.parts)).toEqual(Array.from(model.factors.parts));
  expect(Array.from(back.factors.appearances)).toEqual(Array.from(model.factors.appearances));
});

it("reads the parts' directions from meta.json into the factors, checks their count, and loads folders saved without them", async () => {
  const partCentres = Array.from({ length: 16 * 4 }, (_, i) => (i % 4) / 4);
  const withCentres = readFactorisationFolder(await savePlanted(tmp.dir, "centres", model, { partCentres }));
  expect(Array.from(withCentres.factors.partCentres!)).toEqual(partCentres);
  expect(readFactorisationFolder(await savePlanted(tmp.dir, "plain", model)).factors.partCentres).toBeUndefined();
  const wrong = await savePlanted(tmp.dir, "wrong", model, { partCentres: [1, 2, 3] });
  expect(() => readFactorisationFolder(wrong)).toThrow(/meta\.json: partCentres has 3 values, ranks\.appearances × ranks\.parts is 64/);
});

it("keeps the old folder intact when a write fails half-way", async () => {
  const dir = await savePlanted(tmp.dir, "a", model);
  const before = readFileSync(join(dir, "meta.json"), "utf8");
  const broken = { ...model.factors, parts: new Float32Array(3) }; // fails while writing parts.npy
  await expect(writeFactorisationFolder(dir, { meta: plantedMeta("a", model, { name: "new" }), factors: broken })).rejects.toThrow(/holds 64 values, the data has 3/);
  expect(readFileSync(join(dir, "meta.json"), "utf8")).toBe(before);
  expect(readdirSync(join(dir, "..")).filter((n) => n.startsWith("."))).toEqual([]); // no temp folder left
});

it("loads good folders and lists every broken one with its file and problem", async () => {
  await savePlanted(tmp.dir, "good", model);
  const user = join(tmp.dir, "factorisations", "tiny-test");
  const broken = async (id: string, damage: (dir: string) => void) => {
    const dir = await savePlanted(tmp.dir, id, model);
    damage(dir);
    return dir;
  };
  const badJson = await broken("bad-json", (d) => writeFileSync(join(d, "meta.json"), "{ nope"));
  const missing = await broken("missing", (d) => rmSync(join(d, "parts.npy")));
  const wrongShape = await broken("wrong-shape", (d) => writeFileSync(join(d, "parts.npy"), formatNpy({ dtype: "float32", shape: [16, 3], data: new Float32Array(48) })));
  const notNpy = await broken("not-npy", (d) => writeFileSync(join(d, "appearances.npy"), "hello"));
  const negative = await broken("negative", (d) => writeFileSync(join(d, "parts.npy"), formatNpy({ dtype: "float32", shape: [16, 4], data: new Float32Array(64).fill(-1) })));
  const badMeta = await broken("bad-meta", (d) => writeFileSync(join(d, "meta.json"), JSON.stringify({ ...plantedMeta("bad-meta", model), ranks: { parts: "four" } })));
  const otherLayer = await savePlanted(tmp.dir, "other-layer", model, { layer: "8x8" });
  const foreign = await savePlanted(tmp.dir, "foreign", model, { model: "stylegan9" });
  const renamed = await broken("renamed", (d) => writeFileSync(join(d, "meta.json"), JSON.stringify(plantedMeta("something-else", model))));
  mkdirSync(join(user, ".half-written.tmp")); // an interrupted write is not a factorisation

  const store = storeOf(tmp.dir);
  expect(store.list().map((f) => f.id)).toEqual(["good"]);
  const problems = Object.fromEntries(store.problems.map((p) => [p.path, p.problem]));
  expect(problems[join(badJson, "meta.json")]).toMatch(/^bad JSON/);
  expect(problems[join(missing, "parts.npy")]).toBe("file not found");
  expect(problems[join(wrongShape, "parts.npy")]).toBe("P has shape (16, 3), meta.json says (16, 4)");
  expect(problems[join(notNpy, "appearances.npy")]).toMatch(/not a \.npy file/);
  expect(problems[join(negative, "parts.npy")]).toMatch(/negative/);
  expect(problems[join(badMeta, "meta.json")]).toMatch(/ranks\/parts must be integer/);
  expect(problems[join(otherLayer, "meta.json")]).toMatch(/shape 16×4×4 does not fit layer "8x8" of model "tiny-test" \(8×8×8\)/);
  expect(problems[join(foreign, "meta.json")]).toMatch(/model "stylegan9" is not loaded/);
  expect(problems[join(renamed, "meta.json")]).toMatch(/id "something-else" differs from the folder name "renamed"/);
  expect(store.problems).toHaveLength(9);
});

it("never overwrites a folder that exists, even a broken one", async () => {
  const dir = await savePlanted(tmp.dir, "taken", model);
  writeFileSync(join(dir, "meta.json"), "{ broken");
  const store = storeOf(tmp.dir);
  await expect(store.save({ meta: plantedMeta("taken", model), factors: model.factors })).rejects.toThrow(/exists already/);
  expect(readFileSync(join(dir, "meta.json"), "utf8")).toBe("{ broken");
  const saved = await store.save({ meta: plantedMeta("fresh", model), factors: model.factors, contactSheet: Buffer.from("png") });
  expect(saved).toMatchObject({ id: "fresh", readOnly: false, hasContactSheet: true });
  expect(storeOf(tmp.dir).get("fresh")?.meta.name).toBe("fresh");
});

it("serves shipped factorisations read-only and refuses a duplicate id", async () => {
  const bundle = join(tmp.dir, "bundle");
  const shippedDir = join(bundle, "factorisations", "dup");
  await writeFactorisationFolder(shippedDir, { meta: plantedMeta("dup", model), factors: model.factors });
  await savePlanted(tmp.dir, "dup", model);
  const store = storeOf(tmp.dir, [{ model: "tiny-test", bundleDir: bundle }]);
  expect(store.get("dup")).toMatchObject({ readOnly: true, dir: shippedDir });
  expect(store.problems).toEqual([{ path: join(tmp.dir, "factorisations", "tiny-test", "dup"), problem: `id "dup" is already used by ${shippedDir}` }]);
  expect(() => store.delete("dup")).toThrow(/ships with its model/);
  expect(existsSync(shippedDir)).toBe(true);
});

it("clears what interrupted saves left at start: a half-written folder goes, a replaced one comes back, both are reported", async () => {
  const user = join(tmp.dir, "factorisations", "tiny-test");
  await savePlanted(tmp.dir, "kept", model);
  const half = join(user, ".half.0123abcd.tmp");
  mkdirSync(half);
  writeFileSync(join(half, "parts.npy"), "partial");
  // A crash between the two renames of a replacement: the previous version waits under .old.
  const previous = await savePlanted(tmp.dir, "replaced", model);
  const old = join(user, ".replaced.89abcdef.old");
  renameSync(previous, old);

  const store = storeOf(tmp.dir);
  expect(readdirSync(user).sort()).toEqual(["kept", "replaced"]);
  expect(store.list().map((f) => f.id).sort()).toEqual(["kept", "replaced"]);
  expect(store.problems).toEqual([
    { path: half, problem: expect.stringMatching(/interrupted save left this temporary folder; it was removed/) },
    { path: old, problem: expect.stringMatching(/previous version here; it was put back/) },
  ]);
  // A later reload (the server rereads while saves may be under way) does not clean, and still reports.
  mkdirSync(join(user, ".busy.0123abcd.tmp"));
  store.load();
  expect(existsSync(join(user, ".busy.0123abcd.tmp"))).toBe(true);
  expect(store.problems).toHaveLength(2);
});

it("takes names without regard to case, and folders that could not be loaded", async () => {
  const dir = await savePlanted(tmp.dir, "Taken", model);
  const broken = await savePlanted(tmp.dir, "broken", model);
  writeFileSync(join(broken, "meta.json"), "{");
  const store = storeOf(tmp.dir);
  expect(store.nameTaken("tiny-test", "taken")).toMatch(/a factorisation "Taken" exists already/);
  expect(store.nameTaken("tiny-test", "BROKEN")).toBe(`the folder ${broken} exists already (it could not be loaded: see problems in GET /api/factorisations)`);
  expect(store.nameTaken("tiny-test", "free")).toBeNull();
  expect(existsSync(dir)).toBe(true);
});
