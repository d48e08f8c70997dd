/**
 * The per-request maths of the image routes runs on worker threads (imaging threads for
 * masks, part thumbnails, saliency, regions, pixel removal, per-image parts and a fit's contact sheet; the ONNX Runtime thread for the generator and its images' RGBA), and a thread killed while
 * it holds a request is replaced: the request is sent once more (same answer), or, killed twice,
 * gets a 503 in JSON; /api/health answers throughout and the next request succeeds.
 */
import { threadId } from "node:worker_threads";
import { toGray8 } from "../../companion-server/src/engine/panda/maps";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { coordinates } from "../../companion-server/src/engine/panda/saliency";
import { pixelChange } from "../../companion-server/src/engine/panda/appearance-ranking";
import { refineParts } from "../../companion-server/src/engine/panda/refine";
import { renderContactSheet } from "../../companion-server/src/engine/panda/contact-sheet";
import { CONTACT_SHEET_ROWS, sampleImages } from "../../companion-server/src/engine/panda/fit-factorisation";
import { buildProductApp, PLANTED, ProductApp } from "./product-app";

let p: ProductApp;
beforeAll(async () => {
  p = await buildProductApp({ imagingThreads: 2 });
});
afterAll(() => p.close());

const rawMask = (image: string, payload: object) =>
  p.app.inject({ method: "POST", url: `/api/images/${image}/masks`, payload: { factorisation: PLANTED, ...payload }, headers: { accept: "application/octet-stream" } });
const generateRaw = (seed: number) => p.app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed }, headers: { accept: "application/octet-stream" } });
const health = () => p.app.inject({ method: "GET", url: "/api/health" });

it("computes refined, feathered masks on imaging threads, the same values as in place", async () => {
  const before = p.app.imaging.stats();
  const image = await p.generate(7);
  const res = await rawMask(image, { parts: [0, 2], kind: "soft", refine: true, feather: 3 });
  expect(res.statusCode).toBe(200);

  const stats = p.app.imaging.stats();
  expect(stats.threads).toBe(2);
  expect(stats.tasks.cluster).toBe(before.tasks.cluster + 1); // its parts refined
  expect(stats.tasks.mask).toBe(before.tasks.mask + 1);
  expect(stats.threadIds.length).toBeGreaterThan(0);
  expect(stats.threadIds).not.toContain(threadId);

  // the same pure functions, run here: the refinement and the mask agree value for value
  const { parts: ip, image: cached } = await p.app.imageParts(image, PLANTED, { refine: true });
  const features = cached.features.get("4x4")!.features;
  const inPlace = await refineParts(features, p.planted.factors, {}, p.app.generators.sessions);
  expect(Array.from(ip.refinedParts!)).toEqual(Array.from(inPlace));
  expect(Array.from(new Uint8Array(res.rawPayload))).toEqual(Array.from(toGray8(ip.mask([0, 2], "soft", { feather: 3 }))));
});

describe("thumbnails, saliency, regions, removal, AᵀZ and the previews' pixel changes", () => {
  const post = (image: string, path: string, payload: object, accept: string) =>
    p.app.inject({ method: "POST", url: `/api/images/${image}/${path}`, payload: { factorisation: PLANTED, ...payload }, headers: { accept } });
  const red = (png: string) => Array.from(decodePng(Buffer.from(png, "base64")).rgba.filter((_, i) => i % 4 === 0));
  const bytes = (payload: Buffer) => Array.from(new Uint8Array(payload));

  it("run on imaging threads, the same values as the same maths in place", async () => {
    const image = await p.generate(11);
    const before = p.app.imaging.stats().tasks;
    const parts = (await p.app.inject({ method: "GET", url: `/api/images/${image}/parts?factorisation=${PLANTED}&refine=true` })).json();
    const heat = await post(image, "saliency", { appearance: 3 }, "application/octet-stream");
    const mask = await post(image, "saliency", { appearance: 3, output: "mask", upsampling: "bilinear" }, "application/octet-stream");
    const edits = [{ parts: [0], appearance: 1, strength: 2 }, { parts: [3], appearance: 2, strength: -2 }];
    const edited = (await post(image, "edits", { edits }, "application/json")).json();
    const pixel = await post(image, "removal", { parts: [1], method: "pixel", fill: "background" }, "application/octet-stream");
    const pixelJson = (await post(image, "removal", { parts: [1], method: "pixel", fill: "background" }, "application/json")).json();
    const feature = (await post(image, "removal", { parts: [2], method: "feature", upsampling: "block" }, "application/json")).json();
    const featureRaw = await post(image, "removal", { parts: [2], method: "feature" }, "application/octet-stream");
    const browsed = (await post(image, "appearances", { parts: [0, 3], limit: 3, refine: true }, "application/json")).json();

    const tasks = p.app.imaging.stats().tasks;
    expect(tasks.parts).toBe(before.parts + 1);
    expect(tasks.saliency).toBe(before.saliency + 2);
    expect(tasks.region).toBe(before.region + 2); // the edit's and the feature removal's
    expect(tasks.pixelRemoval).toBe(before.pixelRemoval + 2);
    expect(tasks.coordinates).toBe(before.coordinates + 2); // once per ImageParts: the global one's (saliency), the refined one's (ranking)
    expect(tasks.featureRemoval).toBe(before.featureRemoval + 2);
    expect(tasks.pixelChanges).toBe(before.pixelChanges + 1); // one page of previews
    expect(p.app.imaging.stats().threadIds).not.toContain(threadId);

    // the same pure functions, run here
    const { parts: refined } = await p.app.imageParts(image, PLANTED, { refine: true });
    const coverage = refined.coverage();
    expect(browsed.appearances).toHaveLength(3);
    for (const a of browsed.appearances) {
      const preview = decodePng(Buffer.from(a.preview.png, "base64"));
      expect(a.preview.change).toEqual(pixelChange(refined.image, preview, refined.mask([0, 3], "soft")));
    }
    refined.thumbnails().forEach((thumb, k) => {
      expect(parts.parts[k].coverage).toBe(coverage[k]);
      expect(Array.from(decodePng(Buffer.from(parts.parts[k].png, "base64")).rgba)).toEqual(Array.from(thumb.rgba));
    });
    const { parts: ip, image: cached } = await p.app.imageParts(image, PLANTED);
    expect(Array.from(ip.coordinates)).toEqual(Array.from(coordinates(p.planted.factors, cached.features.get("4x4")!.features)));
    expect(bytes(heat.rawPayload)).toEqual(Array.from(toGray8(ip.saliency(3).heat)));
    expect(bytes(mask.rawPayload)).toEqual(Array.from(toGray8(ip.saliency(3, "bilinear").mask)));
    expect(red(edited.mask)).toEqual(Array.from(toGray8(ip.editedRegion(edits))));
    const removed = await ip.remove([1], "pixel", { fill: "background" });
    expect(bytes(pixel.rawPayload)).toEqual(Array.from(removed.image.rgba));
    expect(red(pixelJson.mask)).toEqual(Array.from(toGray8(removed.region)));
    expect(red(feature.mask)).toEqual(Array.from(toGray8((await ip.remove([2], "feature", { upsampling: "block" })).region)));
    expect(bytes(featureRaw.rawPayload)).toEqual(Array.from((await ip.remove([2], "feature")).image.rgba));
  });
});

it("draws a fit's sample images and contact sheet on imaging threads, the same bytes as in place", async () => {
  const before = p.app.imaging.stats().tasks;
  const request = { model: "tiny-test", layer: "4x4", parts: 4, appearances: 16, samples: 24, seed: 5, name: "threaded" };
  const { jobId } = (await p.app.inject({ method: "POST", url: "/api/factorisations", payload: request })).json();
  let state = "queued";
  while (state === "queued" || state === "running") {
    await new Promise((r) => setTimeout(r, 50));
    state = (await p.app.inject({ method: "GET", url: `/api/jobs/${jobId}` })).json().state;
  }
  expect(state).toBe("finished");
  const tasks = p.app.imaging.stats().tasks;
  expect(tasks.contactSheet).toBe(before.contactSheet + 1);

  const generator = p.app.generators.get("tiny-test")!;
  const fitted = p.app.requireFactorisation("threaded");
  const inPlace = renderContactSheet(fitted.factors, await sampleImages(generator, 5, CONTACT_SHEET_ROWS), { width: 16, height: 16 });
  const sheet = await p.app.inject({ method: "GET", url: "/api/factorisations/threaded/contact-sheet.png" });
  expect(sheet.statusCode).toBe(200);
  expect(Buffer.compare(sheet.rawPayload, inPlace)).toBe(0);
});

describe("an imaging thread killed while it holds a mask", () => {
  it("is replaced and the mask sent once more: the same answer, and health answers meanwhile", async () => {
    const image = await p.generate(8);
    const undisturbed = await rawMask(image, { parts: [1], upsampling: "bilinear" });
    const killed: number[] = [];
    const stop = p.app.imaging.watch(({ worker, op }) => {
      if (op !== "mask" || killed.length > 0) return;
      killed.push(worker.threadId);
      void worker.terminate();
    });
    try {
      const { retries, threadIds } = p.app.imaging.stats();
      const [res, alive] = await Promise.all([rawMask(image, { parts: [1], upsampling: "bilinear" }), health()]);
      expect(killed).toHaveLength(1);
      expect(alive.statusCode).toBe(200);
      expect(res.statusCode).toBe(200);
      expect(Buffer.compare(res.rawPayload, undisturbed.rawPayload)).toBe(0);
      expect(p.app.imaging.stats().retries).toBe(retries + 1);
      // answered by the thread that replaced the killed one
      expect(p.app.imaging.stats().threadIds.filter((id) => !threadIds.includes(id))).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("answers 503 in JSON when the fresh thread dies too, then serves the next request", async () => {
    const image = await p.generate(9);
    const stop = p.app.imaging.watch(({ worker, op }) => {
      if (op === "mask") void worker.terminate();
    });
    try {
      const res = await rawMask(image, { parts: [3] });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json()).toEqual({ statusCode: 503, code: "WORKER_STOPPED", error: "Service Unavailable", message: expect.stringMatching(/imaging \d thread stopped twice .*send the request again/) });
      expect((await health()).statusCode).toBe(200);
    } finally {
      stop();
    }
    const next = await rawMask(image, { parts: [3] });
    expect(next.statusCode).toBe(200);
    expect(next.rawPayload.length).toBe(16 * 16);
  });
});

describe("the ONNX Runtime thread killed while it runs the generator", () => {
  it("is replaced, its sessions opened again and the run sent once more: the same pixels", async () => {
    const undisturbed = await generateRaw(21);
    expect(undisturbed.statusCode).toBe(200);
    const thread = p.app.generators.sessions.thread;
    const before = thread.threadId;
    let kills = 0;
    const stop = thread.watch(({ worker, op }) => {
      if (op === "run" && kills++ === 0) void worker.terminate();
    });
    try {
      const [res, alive] = await Promise.all([generateRaw(21), health()]);
      expect(kills).toBeGreaterThan(0);
      expect(alive.statusCode).toBe(200);
      expect(res.statusCode).toBe(200);
      expect(Buffer.compare(res.rawPayload, undisturbed.rawPayload)).toBe(0);
      expect(thread.threadId).not.toBe(before);
    } finally {
      stop();
    }
  });

  it("answers 503 in JSON when the run kills the fresh thread too, then generates again", async () => {
    const undisturbed = await generateRaw(22);
    const stop = p.app.generators.sessions.thread.watch(({ worker, op }) => {
      if (op === "run") void worker.terminate();
    });
    try {
      const res = await generateRaw(22);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ statusCode: 503, code: "WORKER_STOPPED", message: expect.stringContaining("ONNX Runtime thread stopped twice") });
      expect((await health()).statusCode).toBe(200);
    } finally {
      stop();
    }
    const next = await generateRaw(22);
    expect(next.statusCode).toBe(200);
    expect(Buffer.compare(next.rawPayload, undisturbed.rawPayload)).toBe(0);
  });
});
