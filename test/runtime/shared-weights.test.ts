/**
 * Bundles whose graphs keep their weights in one shared ONNX external-data file (manifest `weights`,
 * as models/export writes them): they load and generate, and a missing, truncated or foreign weights
 * file is reported with its file at load, not as a failed session later.
 */
import { cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onnx } from "onnx-proto";
import { BundleLoadError, loadBundle } from "../../companion-server/src/runtime/bundle-loader";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { buildTestApp, tinyModelsDir } from "../helpers/server";

let models: { dir: string; remove: () => void };
const tiny = () => join(models.dir, "tiny-test");

/**
 * A copy of the tiny bundle with every graph beside model.json and each initializer of 64 bytes or
 * more moved into `weights.bin`, stored once by content (the layout of models/export's bundles).
 */
function sharedCopy(name: string): string {
  const dir = join(models.dir, name);
  cpSync(tiny(), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const chunks: Buffer[] = [];
  const offsets = new Map<string, number>();
  let size = 0;
  for (const layer of manifest.layers) {
    for (const part of ["head", "tail"] as const) {
      const model = onnx.ModelProto.decode(readFileSync(join(dir, layer[part])));
      for (const t of model.graph?.initializer ?? []) {
        if (!t.rawData || t.rawData.length < 64) continue;
        const bytes = Buffer.from(t.rawData);
        const key = bytes.toString("base64");
        if (!offsets.has(key)) {
          offsets.set(key, size);
          chunks.push(bytes);
          size += bytes.length;
        }
        t.externalData = [
          { key: "location", value: "weights.bin" },
          { key: "offset", value: String(offsets.get(key)) },
          { key: "length", value: String(bytes.length) },
        ];
        t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        t.rawData = new Uint8Array(0);
      }
      layer[part] = `${layer.id}.${part}.onnx`;
      writeFileSync(join(dir, layer[part]), onnx.ModelProto.encode(model).finish());
    }
    rmSync(join(dir, layer.id), { recursive: true });
  }
  writeFileSync(join(dir, "weights.bin"), Buffer.concat(chunks));
  writeFileSync(join(dir, "model.json"), JSON.stringify({ ...manifest, id: name, weights: "weights.bin" }));
  return dir;
}

function loadError(dir: string): BundleLoadError {
  try {
    loadBundle(dir);
  } catch (err) {
    return err as BundleLoadError;
  }
  throw new Error("expected the bundle to be refused");
}

beforeAll(async () => (models = await tinyModelsDir()));
afterAll(() => models.remove());

it("loads a bundle with shared weights and generates the same image as with weights inside", async () => {
  const dir = sharedCopy("shared");
  expect(loadBundle(dir).manifest.weights).toBe("weights.bin");
  expect(statSync(join(dir, "4x4.head.onnx")).size).toBeLessThan(statSync(join(tiny(), "4x4", "head.onnx")).size);
  const { app, close } = await buildTestApp({ modelDirs: [models.dir] });
  try {
    const image = async (model: string) => {
      const res = await app.inject({ method: "POST", url: "/api/generate", payload: { model, seed: 4 } });
      expect(res.statusCode).toBe(200);
      return decodePng(res.rawPayload).rgba;
    };
    expect(Buffer.from(await image("shared")).equals(Buffer.from(await image("tiny-test")))).toBe(true);
  } finally {
    await close();
  }
});

it("reports a missing weights file", () => {
  const dir = sharedCopy("no-weights");
  rmSync(join(dir, "weights.bin"));
  const err = loadError(dir);
  expect([err.file, err.problem]).toEqual([join(dir, "weights.bin"), "file not found"]);
});

it("reports a truncated weights file with the tensor that does not fit", () => {
  const dir = sharedCopy("truncated");
  truncateSync(join(dir, "weights.bin"), 100);
  const err = loadError(dir);
  expect(err.file).toBe(join(dir, "weights.bin"));
  expect(err.problem).toMatch(/^tensor ".+" of 4x4\.head\.onnx needs bytes \d+–\d+, the file has 100 \(truncated\?\)$/);
});

it("reports graphs whose external data is not the bundle's weights file", () => {
  const dir = sharedCopy("unnamed");
  const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  delete manifest.weights;
  writeFileSync(join(dir, "model.json"), JSON.stringify(manifest));
  expect(loadError(dir).problem).toMatch(/^tensor ".+" is stored in "weights.bin", not in the bundle's weights file \(model.json names none\)$/);
});
