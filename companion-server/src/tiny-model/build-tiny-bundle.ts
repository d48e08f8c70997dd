/**
 * A tiny generator bundle built in TypeScript with deterministic weights: 16-value Gaussian
 * latent → 16×4×4 → 8×8×8 → 3×16×16 image, with one auxiliary tensor ("style", a per-image
 * colour bias computed by the head and used by the tail). Tests use it so that the core needs
 * neither Python nor large files; it is labelled a test model everywhere.
 */
import { join } from "node:path";
import { writeFileSync, mkdirSync } from "node:fs";
import { GraphBuilder, floatAttribute } from "../onnx/graph-builder";
import { createRng } from "../runtime/random";
import { BUNDLE_FORMAT, BundleManifest } from "../runtime/bundle-manifest";
import { writeFolderAtomic } from "../util/atomic-write";

export const TINY_MODEL_ID = "tiny-test";
const LATENT = 16;

interface TinyWeights {
  [name: string]: { data: Float32Array; dims: number[] };
}

function makeWeights(seed: number): TinyWeights {
  const rng = createRng(seed);
  const init = (dims: number[], fanIn: number, gain = 1) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const bound = gain * Math.sqrt(3 / fanIn);
    return { data: Float32Array.from({ length: n }, () => (2 * rng() - 1) * bound), dims };
  };
  return {
    w0: init([LATENT, 256], LATENT, 1.4),
    b0: init([256], 256, 0.1),
    ws: init([LATENT, 3], LATENT),
    w1: init([8, 16, 3, 3], 16 * 9, 1.4),
    b1: init([8], 8, 0.1),
    w2: init([3, 8, 3, 3], 8 * 9, 1.2),
    b2: init([3], 3, 0.2),
  };
}

type Stage = (g: GraphBuilder, w: TinyWeights, x: string) => string;

const param = (g: GraphBuilder, w: TinyWeights, name: string) => g.constant(w[name].data, w[name].dims, name);
const upsample = (g: GraphBuilder, x: string) => g.node("Resize", [x, "", g.constant([1, 1, 2, 2], [4])], { mode: "nearest" });
const leaky = (g: GraphBuilder, x: string) => g.node("LeakyRelu", [x], { alpha: floatAttribute("alpha", 0.2) });

const toLayer4: Stage = (g, w, z) =>
  leaky(g, g.node("Reshape", [g.node("Gemm", [z, param(g, w, "w0"), param(g, w, "b0")]), g.int64Constant([-1, 16, 4, 4])]));
const toLayer8: Stage = (g, w, x) => leaky(g, g.node("Conv", [upsample(g, x), param(g, w, "w1"), param(g, w, "b1")], { pads: [1, 1, 1, 1] }));
const style = (g: GraphBuilder, w: TinyWeights, z: string) => g.node("Tanh", [g.node("MatMul", [z, param(g, w, "ws")])]);
function toImage(g: GraphBuilder, w: TinyWeights, x: string, styleValue: string): string {
  const conv = g.node("Conv", [upsample(g, x), param(g, w, "w2"), param(g, w, "b2")], { pads: [1, 1, 1, 1] });
  const bias = g.node("Reshape", [styleValue, g.int64Constant([-1, 3, 1, 1])]);
  return g.node("Tanh", [g.node("Add", [conv, bias])]);
}

const LAYERS = [
  { id: "4x4", shape: [16, 4, 4] as [number, number, number], headStages: [toLayer4], tailStages: [toLayer8] },
  { id: "8x8", shape: [8, 8, 8] as [number, number, number], headStages: [toLayer4, toLayer8], tailStages: [] as Stage[] },
];

export function tinyManifest(): BundleManifest {
  return {
    format: BUNDLE_FORMAT,
    id: TINY_MODEL_ID,
    title: "Tiny test generator (not a face model)",
    description: "A 16×16 generator with deterministic weights, built by the test suite; it draws coloured blobs.",
    testModel: true,
    latent: { size: LATENT, distribution: "normal" },
    truncation: { method: "latent", default: 1 },
    image: { width: 16, height: 16, channels: 3, range: [-1, 1] },
    layers: LAYERS.map((l, i) => ({ id: l.id, shape: l.shape, head: `${l.id}/head.onnx`, tail: `${l.id}/tail.onnx`, ...(i === 0 ? { default: true } : {}) })),
    auxiliary: [{ name: "style", shape: [3] }],
    license: "MIT",
    source: "Built by companion-server/src/tiny-model/build-tiny-bundle.ts",
  };
}

/** The head and tail ONNX bytes of each layer. */
export function buildTinyModelFiles(seed = 1234): Map<string, Uint8Array> {
  const weights = makeWeights(seed);
  const files = new Map<string, Uint8Array>();
  for (const layer of LAYERS) {
    const head = new GraphBuilder(`tiny_head_${layer.id}`);
    const z = head.input("z", ["N", LATENT]);
    const features = layer.headStages.reduce((x, stage) => stage(head, weights, x), z);
    head.output(features, "features", ["N", ...layer.shape]);
    head.output(style(head, weights, z), "style", ["N", 3]);
    files.set(`${layer.id}/head.onnx`, head.toModelBytes());

    const tail = new GraphBuilder(`tiny_tail_${layer.id}`);
    const f = tail.input("features", ["N", ...layer.shape]);
    const s = tail.input("style", ["N", 3]);
    const last = layer.tailStages.reduce((x, stage) => stage(tail, weights, x), f);
    tail.output(toImage(tail, weights, last, s), "image", ["N", 3, 16, 16]);
    files.set(`${layer.id}/tail.onnx`, tail.toModelBytes());
  }
  return files;
}

/** Writes the tiny bundle folder atomically. */
export async function writeTinyBundle(dir: string, seed = 1234): Promise<void> {
  await writeFolderAtomic(dir, (tmp) => {
    for (const [file, bytes] of buildTinyModelFiles(seed)) {
      mkdirSync(join(tmp, file, ".."), { recursive: true });
      writeFileSync(join(tmp, file), bytes);
    }
    writeFileSync(join(tmp, "model.json"), JSON.stringify(tinyManifest(), null, 2) + "\n");
  });
}
