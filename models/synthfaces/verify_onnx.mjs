// Runs every split of an exported bundle through onnxruntime-node (the runtime the product uses)
// and compares head∘tail with the torch forward written by export.py.
// Usage: node verify_onnx.mjs <bundleDir> <ref.json>; prints one JSON line, exits 1 above 1e-4.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.cwd(), "package.json"));
const ort = require("onnxruntime-node");
const [bundleDir, refPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(join(bundleDir, "model.json"), "utf8"));
const ref = JSON.parse(readFileSync(refPath, "utf8"));
const z = new ort.Tensor("float32", Float32Array.from(ref.z), [ref.n, manifest.latent.size]);

const maxDiff = {};
for (const layer of manifest.layers) {
  const head = await ort.InferenceSession.create(join(bundleDir, layer.head));
  const tail = await ort.InferenceSession.create(join(bundleDir, layer.tail));
  const { features } = await head.run({ z });
  const want = [ref.n, ...layer.shape];
  if (features.dims.join() !== want.join()) throw new Error(`${layer.id}: features ${features.dims} != ${want}`);
  const { image } = await tail.run({ features });
  let d = 0;
  for (let i = 0; i < image.data.length; i++) d = Math.max(d, Math.abs(image.data[i] - ref.image[i]));
  maxDiff[layer.id] = d;
}
const ok = Object.values(maxDiff).every((d) => d <= 1e-4);
console.log(JSON.stringify({ ok, maxDiff }));
process.exit(ok ? 0 : 1);
