/** The committed tiny test bundle is exactly what the TypeScript builder writes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildTinyModelFiles, tinyManifest } from "../../companion-server/src/tiny-model/build-tiny-bundle";

const committed = join(__dirname, "..", "..", "models", "tiny-test");

it("matches the builder byte for byte", () => {
  for (const [file, bytes] of buildTinyModelFiles()) expect(Buffer.compare(readFileSync(join(committed, file)), Buffer.from(bytes))).toBe(0);
  expect(JSON.parse(readFileSync(join(committed, "model.json"), "utf8"))).toEqual(tinyManifest());
});

it("is deterministic for a seed and changes with it", () => {
  const a = buildTinyModelFiles(5).get("4x4/head.onnx")!;
  const b = buildTinyModelFiles(5).get("4x4/head.onnx")!;
  const c = buildTinyModelFiles(6).get("4x4/head.onnx")!;
  expect(Buffer.compare(a, b)).toBe(0);
  expect(Buffer.compare(a, c)).not.toBe(0);
});
