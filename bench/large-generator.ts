/**
 * A generator bundle of the 1024-px class for the benchmarks: random deterministic weights, a
 * 512-value latent, features 32×32×32 at layer "32x32", and a tail of five upsample + 3×3
 * convolution stages to a 3×1024×1024 image (about 25 GFLOP a face, the order of a StyleGAN2
 * at 1024). Not a face model; it only costs what a large one costs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GraphBuilder, floatAttribute } from "../companion-server/src/onnx/graph-builder";
import { createRng } from "../companion-server/src/runtime/random";
import { BUNDLE_FORMAT, BundleManifest } from "../companion-server/src/runtime/bundle-manifest";

export const LARGE_MODEL_ID = "large-1024";
const LATENT = 512;
const CHANNELS = 32;
const SIZE = 1024;

function weights(rng: () => number, dims: number[], fanIn: number): Float32Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const bound = Math.sqrt(3 / fanIn);
  return Float32Array.from({ length: n }, () => (2 * rng() - 1) * bound);
}

export function writeLargeBundle(dir: string, seed = 7): void {
  const rng = createRng(seed);
  const head = new GraphBuilder("large_head");
  const z = head.input("z", ["N", LATENT]);
  const dense = head.node("Gemm", [z, head.constant(weights(rng, [LATENT, CHANNELS * 32 * 32], LATENT), [LATENT, CHANNELS * 32 * 32])]);
  head.output(head.node("Reshape", [dense, head.int64Constant([-1, CHANNELS, 32, 32])]), "features", ["N", CHANNELS, 32, 32]);

  const tail = new GraphBuilder("large_tail");
  let x = tail.input("features", ["N", CHANNELS, 32, 32]);
  for (let size = 64; size <= SIZE; size *= 2) {
    const up = tail.node("Resize", [x, "", tail.constant([1, 1, 2, 2], [4])], { mode: "nearest" });
    const conv = tail.node("Conv", [up, tail.constant(weights(rng, [CHANNELS, CHANNELS, 3, 3], CHANNELS * 9), [CHANNELS, CHANNELS, 3, 3])], { pads: [1, 1, 1, 1] });
    x = tail.node("LeakyRelu", [conv], { alpha: floatAttribute("alpha", 0.2) });
  }
  const rgb = tail.node("Conv", [x, tail.constant(weights(rng, [3, CHANNELS, 1, 1], CHANNELS), [3, CHANNELS, 1, 1])]);
  tail.output(tail.node("Tanh", [rgb]), "image", ["N", 3, SIZE, SIZE]);

  mkdirSync(join(dir, "32x32"), { recursive: true });
  writeFileSync(join(dir, "32x32", "head.onnx"), head.toModelBytes());
  writeFileSync(join(dir, "32x32", "tail.onnx"), tail.toModelBytes());
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    id: LARGE_MODEL_ID,
    title: "1024-px benchmark generator (random weights, not a face model)",
    description: "Built by bench/large-generator.ts to load the server as a 1024-px generator does.",
    testModel: true,
    latent: { size: LATENT, distribution: "normal" },
    truncation: { method: "latent", default: 1 },
    image: { width: SIZE, height: SIZE, channels: 3, range: [-1, 1] },
    layers: [{ id: "32x32", shape: [CHANNELS, 32, 32], head: "32x32/head.onnx", tail: "32x32/tail.onnx", default: true }],
    license: "MIT",
    source: "bench/large-generator.ts",
  };
  writeFileSync(join(dir, "model.json"), JSON.stringify(manifest, null, 2) + "\n");
}
