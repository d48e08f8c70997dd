// Checks an exported SynthFaces 256 bundle through onnxruntime-node (the runtime the product uses):
// the SR graph equals its torch forward, and every split's composed tail equals the 64-px tail
// followed by the SR graph. Writes `samples` images (ψ = 0.7) of the default split as raw float32.
// Usage: node verify_sr.mjs <bundle64> <bundle256> <sr.onnx> <ref.json> <samples.f32> <samples>
// Prints one JSON line; exits 1 above 1e-4.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.cwd(), "package.json"));
const ort = require("onnxruntime-node");
const [small, big, srPath, refPath, samplesPath, samplesArg] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(join(big, "model.json"), "utf8"));
const ref = JSON.parse(readFileSync(refPath, "utf8"));
const sr = await ort.InferenceSession.create(srPath);
const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const srOut = (await sr.run({ image64: new ort.Tensor("float32", Float32Array.from(ref.x), [ref.n, 3, 64, 64]) })).image;
const maxDiff = { sr: maxAbs(srOut.data, ref.y) };

// deterministic latents (a fixed LCG + Box–Muller): the check needs no particular distribution
let s = 12345;
const uniform = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
const normal = (n, psi) => Float32Array.from({ length: n }, () => psi * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));

const count = Number(samplesArg ?? 8);
for (const layer of manifest.layers) {
  const head = await ort.InferenceSession.create(join(big, layer.head));
  const tail64 = await ort.InferenceSession.create(join(small, layer.tail));
  const tail = await ort.InferenceSession.create(join(big, layer.tail));
  const z = new ort.Tensor("float32", normal(2 * manifest.latent.size, 1), [2, manifest.latent.size]);
  const { features } = await head.run({ z });
  const { image } = await tail.run({ features });
  if (image.dims.join() !== [2, 3, 256, 256].join()) throw new Error(`${layer.id}: image ${image.dims}`);
  const viaSmall = (await sr.run({ image64: (await tail64.run({ features })).image })).image;
  maxDiff[layer.id] = maxAbs(image.data, viaSmall.data);
  if (layer.default) {
    const zs = new ort.Tensor("float32", normal(count * manifest.latent.size, 0.7), [count, manifest.latent.size]);
    const out = (await tail.run({ features: (await head.run({ z: zs })).features })).image;
    writeFileSync(samplesPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  }
}
const ok = Object.values(maxDiff).every((d) => d <= 1e-4);
console.log(JSON.stringify({ ok, maxDiff }));
process.exit(ok ? 0 : 1);
