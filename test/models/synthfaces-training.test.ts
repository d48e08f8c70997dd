/**
 * The SynthFaces training pipeline (Python, models/synthfaces/) runs end to end on a CPU:
 * the renderer writes faces with part labels, the GAN trainer's --smoke run writes a checkpoint
 * and finite samples, and the committed bundle runs in onnxruntime-node.
 * Skipped, with a message, where /usr/bin/python3 cannot import torch.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import JSZip from "jszip";
import * as ort from "onnxruntime-node";
import { loadBundle } from "../../companion-server/src/runtime/bundle-loader";

const PYTHON = "/usr/bin/python3";
const ROOT = join(__dirname, "..", "..");
const DIR = join(ROOT, "models", "synthfaces");

const hasTorch = spawnSync(PYTHON, ["-c", "import torch, numpy, PIL"], { encoding: "utf8" }).status === 0;
if (!hasTorch) console.warn(`synthfaces training tests skipped: ${PYTHON} cannot import torch, numpy and PIL`);
const describeWithTorch = hasTorch ? describe : describe.skip;

interface Npy { dtype: string; shape: number[]; data: Buffer }

/** Minimal .npy reader (format versions 1–3): dtype, shape and the raw little-endian data. */
function parseNpy(buf: Buffer): Npy {
  expect(buf.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
  const v1 = buf[6] === 1;
  const headerLen = v1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = v1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString("latin1");
  const dtype = /'descr':\s*'([^']+)'/.exec(header)![1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  return { dtype, shape, data: buf.subarray(start + headerLen) };
}

const run = (args: string[], timeout = 120_000) => {
  const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: "utf8", timeout });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
};

describeWithTorch("SynthFaces training pipeline (Python)", () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), "synthfaces-test-"))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("render.py writes 64×64 faces with per-pixel part labels, deterministic for a seed", async () => {
    const out = join(tmp, "faces.npz");
    run([join(DIR, "render.py"), "--count", "16", "--seed", "3", "--out", out, "--sheet", join(tmp, "sheet.png")]);
    expect(existsSync(join(tmp, "sheet.png"))).toBe(true);
    const zip = await JSZip.loadAsync(readFileSync(out));
    const images = parseNpy(await zip.file("images.npy")!.async("nodebuffer"));
    const labels = parseNpy(await zip.file("labels.npy")!.async("nodebuffer"));
    expect(images.dtype).toBe("|u1");
    expect(images.shape).toEqual([16, 64, 64, 3]);
    expect(labels.dtype).toBe("|u1");
    expect(labels.shape).toEqual([16, 64, 64]);

    const classes = new Set(labels.data);
    expect(Math.max(...classes)).toBeLessThanOrEqual(10);
    // background, skin, hair, eyes, eyebrows, nose, mouth, ears, neck/clothes are in (nearly) every face
    for (const c of [0, 1, 2, 3, 4, 5, 6, 7, 8]) expect(classes.has(c)).toBe(true);
    // real pictures, not a flat colour
    expect(new Set(images.data).size).toBeGreaterThan(100);

    const again = join(tmp, "again.npz");
    run([join(DIR, "render.py"), "--count", "16", "--seed", "3", "--out", again]);
    const images2 = parseNpy(await (await JSZip.loadAsync(readFileSync(again))).file("images.npy")!.async("nodebuffer"));
    expect(Buffer.compare(images.data, images2.data)).toBe(0);
  });

  it("train_gan.py --smoke trains a few steps and writes a checkpoint with finite samples", () => {
    const work = join(tmp, "smoke");
    const stdout = run([join(DIR, "train_gan.py"), "--smoke", "--workdir", work]);
    const summary = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(summary.step).toBeGreaterThan(0);
    expect(summary.samples_finite).toBe(true);
    expect(existsSync(join(work, "ckpt.pt"))).toBe(true);
    expect(readdirSync(work).some((f) => /^samples_\d+\.png$/.test(f))).toBe(true);

    const samples = parseNpy(readFileSync(join(work, "samples.npy")));
    expect(samples.dtype).toBe("<f4");
    expect(samples.shape).toEqual([64, 3, 64, 64]);
    const values = new Float32Array(samples.data.buffer.slice(samples.data.byteOffset, samples.data.byteOffset + samples.data.length));
    expect(values.every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
  });
});

describe("SynthFaces 256 super-resolution stage (Python)", () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), "synthfaces-sr-test-"))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  (hasTorch ? it : it.skip)("render.py --size 256 draws the same faces as at 64 px (the pairs the stage learns from)", async () => {
    const out = join(tmp, "big.npz");
    run([join(DIR, "render.py"), "--count", "2", "--seed", "3", "--size", "256", "--out", out]);
    const zip = await JSZip.loadAsync(readFileSync(out));
    expect(parseNpy(await zip.file("images.npy")!.async("nodebuffer")).shape).toEqual([2, 256, 256, 3]);
    expect(parseNpy(await zip.file("labels.npy")!.async("nodebuffer")).shape).toEqual([2, 256, 256]);
  });

  (hasTorch ? it : it.skip)("train_sr.py --smoke trains a few steps, resumes from its checkpoint, and upsamples 64 → 256", () => {
    const work = join(tmp, "smoke");
    const first = JSON.parse(run([join(DIR, "train_sr.py"), "--smoke", "--workdir", work, "--steps", "2"]).trim().split("\n").pop()!);
    expect(first.step).toBe(2);
    expect(existsSync(join(work, "sr-ckpt.pt"))).toBe(true);
    const resumed = JSON.parse(run([join(DIR, "train_sr.py"), "--smoke", "--workdir", work, "--steps", "4", "--resume"]).trim().split("\n").pop()!);
    expect(resumed.step).toBe(4);
    expect(resumed.output_shape).toEqual([2, 3, 256, 256]);
    expect(resumed.output_finite).toBe(true);
    expect(resumed.psnr).toBeGreaterThan(15);
    expect(readdirSync(work).some((f) => /^sr-samples_\d+\.png$/.test(f))).toBe(true);
  });
});

describe("the committed SynthFaces bundles", () => {
  it.each([
    ["synthfaces", 256, DIR],
    ["synthfaces-64", 64, join(ROOT, "models", "synthfaces-64")],
  ])("%s loads with the product's loader and runs head∘tail for every split in onnxruntime-node at %i px", async (id, side, dir) => {
    if (!existsSync(join(dir, "model.json"))) return console.warn(`${dir} not exported`);
    const { manifest } = loadBundle(dir); // the product's loader: schema, files, ONNX signatures
    expect(manifest.id).toBe(id);
    const n = 2;
    const z = new ort.Tensor("float32", Float32Array.from({ length: n * 128 }, (_, i) => Math.sin(i * 12.9898) * 0.7), [n, 128]);
    for (const layer of manifest.layers) {
      const head = await ort.InferenceSession.create(join(dir, layer.head));
      const tail = await ort.InferenceSession.create(join(dir, layer.tail));
      const { features } = await head.run({ z });
      expect(features.dims).toEqual([n, ...layer.shape]);
      const { image } = await tail.run({ features });
      expect(image.dims).toEqual([n, 3, side, side]);
      expect((image.data as Float32Array).every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
    }
  });

  it("share the GAN: the same split layers, and byte-identical heads (Git stores them once)", () => {
    const big = join(DIR, "model.json");
    const small = join(ROOT, "models", "synthfaces-64", "model.json");
    if (!existsSync(big) || !existsSync(small)) return console.warn("a SynthFaces bundle is not exported");
    const a = loadBundle(DIR).manifest;
    const b = loadBundle(join(ROOT, "models", "synthfaces-64")).manifest;
    expect(a.layers.map((l) => [l.id, l.shape])).toEqual(b.layers.map((l) => [l.id, l.shape]));
    for (const l of a.layers) expect(readFileSync(join(DIR, l.head)).equals(readFileSync(join(ROOT, "models", "synthfaces-64", l.head)))).toBe(true);
  });
});
