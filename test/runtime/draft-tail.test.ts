/**
 * A layer's draft tail (the live preview's cheaper frame while dragging): the generator runs it and
 * scales its smaller image up bilinearly to the image size; the bundle loader checks its signature.
 * On the default model the draft is the 64-px tail without the super-resolution stage, so the draft
 * must equal the small bundle's tail on the same features, scaled up (the SR stage's own base).
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODELS_DIR } from "../../companion-server/src/cli/paths";
import { BundleLoadError, loadBundle } from "../../companion-server/src/runtime/bundle-loader";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { Generator } from "../../companion-server/src/runtime/generator";
import { resizeBilinear } from "../../companion-server/src/engine/imaging/resample";
import { tinyModelsDir } from "../helpers/server";
import { sampleLatents } from "../../companion-server/src/runtime/random";

const factory = new SessionFactory();
afterAll(() => factory.close());

describe("the default model's draft tail", () => {
  const faces = new Generator(loadBundle(join(DEFAULT_MODELS_DIR, "synthfaces")), factory);
  const small = new Generator(loadBundle(join(DEFAULT_MODELS_DIR, "synthfaces-64")), factory);

  it.each(["8x8", "32x32"])("at %s is the 64-px tail scaled up bilinearly to 256×256; the full tail is not", async (layer) => {
    const batch = await faces.head(layer, sampleLatents("normal", faces.manifest.latent.size, 7, 2), 2);
    const draft = await faces.tail(batch, { draft: true });
    const full = await faces.tail(batch);
    const low = await small.tail(batch);
    expect([draft.draft, full.draft, draft.data.length]).toEqual([true, false, 2 * 3 * 256 * 256]);
    let worst = 0;
    for (let plane = 0; plane < 2 * 3; plane++) {
      const expected = resizeBilinear({ width: 64, height: 64, data: low.data.subarray(plane * 4096, (plane + 1) * 4096) }, { width: 256, height: 256 }).data;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(draft.data[plane * 65536 + i] - expected[i]));
    }
    expect(worst).toBeLessThan(1e-4);
    // the SR stage adds detail the draft lacks, but the two are the same picture
    let diff = 0;
    for (let i = 0; i < full.data.length; i++) diff += Math.abs(full.data[i] - draft.data[i]);
    diff /= full.data.length;
    expect(diff).toBeGreaterThan(0.005);
    expect(diff).toBeLessThan(0.1);
  });
});

describe("the bundle loader", () => {
  let models: { dir: string; remove: () => void };
  beforeAll(async () => (models = await tinyModelsDir()));
  afterAll(() => models.remove());

  const withDraft = (name: string, draft: string): string => {
    const dir = join(models.dir, name);
    cpSync(join(models.dir, "tiny-test"), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    manifest.layers[0].draft = draft;
    writeFileSync(join(dir, "model.json"), JSON.stringify({ ...manifest, id: name }));
    return dir;
  };

  it("takes a draft with the tail's signature, and a generator without a draft renders in full when asked for one", async () => {
    const dir = withDraft("with-draft", "4x4/tail.onnx");
    const drafted = new Generator(loadBundle(dir), factory);
    expect(drafted.manifest.layers[0].draft).toBe("4x4/tail.onnx");
    const tiny = new Generator(loadBundle(join(models.dir, "tiny-test")), factory);
    const batch = await tiny.head("4x4", sampleLatents("normal", tiny.manifest.latent.size, 3, 1), 1);
    const full = Array.from((await tiny.tail(batch)).data);
    // a draft already at the image size is run as it is
    const draft = await drafted.tail(batch, { draft: true });
    expect(draft.draft).toBe(true);
    expect(Array.from(draft.data)).toEqual(full);
    const asked = await tiny.tail(batch, { draft: true });
    expect(asked.draft).toBe(false);
    expect(Array.from(asked.data)).toEqual(full);
  });

  it("warms a layer's draft once (its session opened and run), so the first preview frame only runs it", async () => {
    const drafted = new Generator(loadBundle(withDraft("warmed-draft", "4x4/tail.onnx")), factory);
    const batch = await drafted.head("4x4", sampleLatents("normal", drafted.manifest.latent.size, 5, 1), 1);
    const calls: string[] = [];
    const stop = factory.thread.watch((call) => calls.push(call.op));
    try {
      await drafted.warmDraft(batch);
      expect(calls.filter((op) => op === "open").length).toBe(2); // the draft and the RGBA conversion
      expect(calls.filter((op) => op === "run").length).toBe(1);
      calls.length = 0;
      await drafted.warmDraft(batch); // a second image of the same layer: nothing to do
      const frame = await drafted.tailRgba(batch, { draft: true });
      expect(calls).toEqual(["run"]);
      expect(frame.draft).toBe(true);
    } finally {
      stop();
      await drafted.release();
    }
  });

  it("refuses a draft that is not a tail of the layer, naming the file", () => {
    const dir = withDraft("bad-draft", "4x4/head.onnx");
    let err: unknown;
    try {
      loadBundle(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BundleLoadError);
    expect((err as BundleLoadError).file).toBe(join(dir, "4x4", "head.onnx"));
    expect((err as BundleLoadError).problem).toMatch(/missing input "features"/);
  });
});
