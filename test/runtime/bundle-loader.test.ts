/** A broken bundle is reported with its file and problem; the server starts with the others. */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundle, BundleLoadError } from "../../companion-server/src/runtime/bundle-loader";
import { buildTestApp, tinyModelsDir } from "../helpers/server";

let models: { dir: string; remove: () => void };
const good = () => join(models.dir, "tiny-test");

beforeAll(async () => (models = await tinyModelsDir()));
afterAll(() => models.remove());

/** A copy of the good bundle under a new id, broken by `breakIt`. */
function brokenCopy(name: string, breakIt: (dir: string) => void): string {
  const dir = join(models.dir, name);
  cpSync(good(), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  writeFileSync(join(dir, "model.json"), JSON.stringify({ ...manifest, id: name }));
  breakIt(dir);
  return dir;
}

const loadError = (dir: string): BundleLoadError => {
  try {
    loadBundle(dir);
  } catch (err) {
    return err as BundleLoadError;
  }
  throw new Error("expected the bundle to be refused");
};

it("loads a good bundle", () => {
  expect(loadBundle(good()).manifest.layers.map((l) => l.id)).toEqual(["4x4", "8x8"]);
});

it("reports a missing ONNX file", () => {
  const dir = brokenCopy("missing-file", (d) => rmSync(join(d, "8x8", "tail.onnx")));
  const err = loadError(dir);
  expect(err.file).toBe(join(dir, "8x8", "tail.onnx"));
  expect(err.problem).toBe("file not found");
});

it("reports bad JSON", () => {
  const dir = brokenCopy("bad-json", (d) => writeFileSync(join(d, "model.json"), '{"format": "panda-bundle/1",'));
  expect(loadError(dir).message).toMatch(/model\.json: bad JSON/);
});

it("reports schema problems with the field", () => {
  const dir = brokenCopy("bad-schema", (d) => {
    const m = JSON.parse(readFileSync(join(d, "model.json"), "utf8"));
    writeFileSync(join(d, "model.json"), JSON.stringify({ ...m, latent: { size: 16, distribution: "cauchy" } }));
  });
  expect(loadError(dir).message).toMatch(/model\.json: \/latent\/distribution must be equal to one of the allowed values|\/latent\/distribution/);
});

it("reports a head whose output shape disagrees with the manifest", () => {
  const dir = brokenCopy("wrong-shape", (d) => {
    const m = JSON.parse(readFileSync(join(d, "model.json"), "utf8"));
    m.layers[0].shape = [32, 4, 4];
    writeFileSync(join(d, "model.json"), JSON.stringify(m));
  });
  const err = loadError(dir);
  expect(err.file).toBe(join(dir, "4x4", "head.onnx"));
  expect(err.problem).toBe('output "features" has shape [N, 16, 4, 4], the manifest says [N, 32, 4, 4]');
});

it("reports a file that is not ONNX", () => {
  const dir = brokenCopy("not-onnx", (d) => writeFileSync(join(d, "4x4", "head.onnx"), "hello"));
  expect(loadError(dir).problem).toMatch(/not a readable ONNX model/);
});

it("starts the server with the good bundles and lists the broken ones in /api/health", async () => {
  const { app, close } = await buildTestApp({ modelDirs: [models.dir] });
  try {
    const health = (await app.inject("/api/health")).json();
    expect(health.models).toBe(1);
    expect(health.brokenModels.map((b: { file: string }) => b.file).sort()).toEqual(
      [join(models.dir, "bad-json", "model.json"), join(models.dir, "bad-schema", "model.json"), join(models.dir, "missing-file", "8x8", "tail.onnx"), join(models.dir, "not-onnx", "4x4", "head.onnx"), join(models.dir, "wrong-shape", "4x4", "head.onnx")].sort(),
    );
    expect((await app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed: 1 } })).statusCode).toBe(200);
  } finally {
    await close();
  }
});
