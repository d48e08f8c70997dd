/**
 * Bring your own GAN (models/export/): the Python exporter's unittest suite passes, and the bundles it
 * writes load in the server's bundle loader and run in onnxruntime-node at a batch size other than
 * the one they were traced at, matching the PyTorch generator within 1e-4.
 * Skipped, with a message, where /usr/bin/python3 cannot import torch, onnx and h5py (Keras files).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { loadBundle } from "../../companion-server/src/runtime/bundle-loader";

const PYTHON = "/usr/bin/python3";
const ROOT = join(__dirname, "..", "..");
const EXPORT = join(ROOT, "models", "export");

const hasTorch = spawnSync(PYTHON, ["-c", "import torch, onnx, h5py"], { encoding: "utf8" }).status === 0;
if (!hasTorch) console.warn(`exporter tests skipped: ${PYTHON} cannot import torch, onnx and h5py`);
const describeWithTorch = hasTorch ? describe : describe.skip;

interface Case {
  name: string;
  bundle: string;
  z: number[][];
  truncation: number | null;
  image: number[];
  imageShape: number[];
}

describeWithTorch("models/export", () => {
  it("passes its Python test suite", () => {
    const r = spawnSync(PYTHON, ["-m", "unittest", "discover", "-s", join(EXPORT, "tests"), "-t", EXPORT], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    // unittest reports on stderr: "Ran N tests ... OK" (skips are listed, e.g. without ../shared).
    expect(r.stderr).toMatch(/Ran \d+ tests/);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\nOK/);
  }, 300_000);

  describe("exported bundles in onnxruntime-node", () => {
    let dir: string;
    let cases: Case[];

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "panda-export-"));
      const r = spawnSync(PYTHON, [join(EXPORT, "tests", "make_bundles.py"), dir], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
      if (r.status !== 0) throw new Error(`make_bundles.py exited ${r.status}:\n${r.stderr}`);
      cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));
    }, 240_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("covers the generic path, Keras files, the families, and the real checkpoint where ../shared has it", () => {
      const names = cases.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(["tiny", "conv-latent", "keras2-dcgan", "keras3-functional", "progan", "stylegan2", "stylegan2-nvlabs", "stylegan3", "biggan"]));
      if (!names.includes("celeba-dcgan-32")) console.warn("celeba-dcgan-32 not checked: ../shared/gans/celeba-dcgan-32 is absent");
    });

    it("loads each bundle and reproduces the PyTorch images through head and tail", async () => {
      for (const c of cases) {
        const { manifest } = loadBundle(c.bundle);
        const z = new ort.Tensor("float32", Float32Array.from(c.z.flat()), [c.z.length, manifest.latent.size]);
        for (const layer of manifest.layers) {
          const head = await ort.InferenceSession.create(join(c.bundle, layer.head));
          const tail = await ort.InferenceSession.create(join(c.bundle, layer.tail));
          const feeds: Record<string, ort.Tensor> = { z };
          if (c.truncation !== null) feeds.truncation = new ort.Tensor("float32", Float32Array.of(c.truncation), [1]);
          const out = await head.run(feeds);
          expect(out.features.dims).toEqual([c.z.length, ...layer.shape]);
          const tailFeeds: Record<string, ort.Tensor> = { features: out.features };
          for (const a of manifest.auxiliary ?? []) tailFeeds[a.name] = out[a.name];
          const image = (await tail.run(tailFeeds)).image;
          expect(image.dims).toEqual(c.imageShape);
          const data = image.data as Float32Array;
          let maxDiff = 0;
          for (let i = 0; i < data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(data[i] - c.image[i]));
          expect({ bundle: c.name, layer: layer.id, maxDiff: maxDiff <= 1e-4 ? "≤ 1e-4" : maxDiff }).toEqual({
            bundle: c.name,
            layer: layer.id,
            maxDiff: "≤ 1e-4",
          });
          await head.release();
          await tail.release();
        }
      }
    }, 120_000);
  });
});
