/** Masks, part thumbnails, saliency, edits and removal of a generated image, and their bad inputs. */
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { writeTinyBundle } from "../../companion-server/src/tiny-model/build-tiny-bundle";
import { roir } from "../engine/product/fixtures";
import { buildProductApp, PLANTED, ProductApp, productAppWithImage } from "./product-app";
import { tempDir } from "../engine/product/fixtures";

let p: ProductApp;
let image: string;
beforeAll(async () => ({ p, image } = await productAppWithImage(7)));
afterAll(() => p.close());

const post = (path: string, payload: object, accept?: string) =>
  p.app.inject({ method: "POST", url: `/api/images/${image}/${path}`, payload, headers: accept ? { accept } : {} });

describe("masks", () => {
  it("answers a binary mask as gray PNG at image size", async () => {
    const res = await post("masks", { factorisation: PLANTED, parts: [0] });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("image/png");
    expect(res.headers["x-image-format"]).toBe("gray8");
    const png = decodePng(res.rawPayload);
    expect([png.width, png.height]).toEqual([16, 16]);
  });

  it("answers raw gray bytes: with block or bilinear upsampling the top-left quadrant is 255, the rest 0", async () => {
    for (const upsampling of ["block", "bilinear"]) {
      const res = await post("masks", { factorisation: PLANTED, parts: [0], kind: "binary", upsampling }, "application/octet-stream");
      const gray = new Uint8Array(res.rawPayload);
      expect(gray.length).toBe(256);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) expect(gray[y * 16 + x]).toBe(x < 8 && y < 8 ? 255 : 0);
    }
  });

  it("upsamples edge-aware by default: guided by this image, so unlike the bilinear mask", async () => {
    const raw = async (payload: object) => new Uint8Array((await post("masks", { factorisation: PLANTED, parts: [0], kind: "soft", ...payload }, "application/octet-stream")).rawPayload);
    const byDefault = await raw({});
    expect(Array.from(byDefault)).toEqual(Array.from(await raw({ upsampling: "edge-aware" })));
    const bilinear = await raw({ upsampling: "bilinear" });
    expect(byDefault.some((v, i) => Math.abs(v - bilinear[i]) > 8)).toBe(true);
    // still the top-left part: higher inside the quadrant's core than far from it
    expect(byDefault[2 * 16 + 2] - byDefault[13 * 16 + 13]).toBeGreaterThan(50);
  });

  it("feathers a binary mask into a soft edge of the asked width", async () => {
    const gray = async (feather?: number) => new Uint8Array((await post("masks", { factorisation: PLANTED, parts: [0], upsampling: "block", ...(feather ? { feather } : {}) }, "application/octet-stream")).rawPayload);
    const hard = await gray();
    expect(hard.every((v) => v === 0 || v === 255)).toBe(true);
    const soft = await gray(6);
    expect(soft.filter((v) => v > 0 && v < 255).length).toBeGreaterThan(16);
    expect(soft[8 * 16 + 2]).toBeGreaterThan(0); // just below the quadrant: now partly in
    expect(soft[7 * 16 + 2]).toBeLessThan(255); // just inside: now partly out
    expect(soft[15 * 16 + 15]).toBe(0);
  });

  it("unions parts and gives soft masks in 0…255 with 255 inside the part", async () => {
    const union = new Uint8Array((await post("masks", { factorisation: PLANTED, parts: [0, 3], upsampling: "bilinear" }, "application/octet-stream")).rawPayload);
    expect(union.filter((v) => v === 255).length).toBe(128);
    const soft = new Uint8Array((await post("masks", { factorisation: PLANTED, parts: [1], kind: "soft", upsampling: "bilinear" }, "application/octet-stream")).rawPayload);
    expect(Math.max(...soft)).toBe(255);
    expect(Math.min(...soft)).toBe(0);
    expect(soft.some((v) => v > 0 && v < 255)).toBe(true);
  });

  it("answers JSON with metadata and a base64 PNG", async () => {
    const res = await post("masks", { factorisation: PLANTED, parts: [2], kind: "binary", threshold: 0.5 }, "application/json");
    expect(res.json()).toMatchObject({ id: image, factorisation: PLANTED, kind: "binary", width: 16, height: 16 });
  });

  it("refines parts for the image when asked", async () => {
    const res = await post("masks", { factorisation: PLANTED, parts: [0], refine: true }, "application/octet-stream");
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBe(256);
  });
});

describe("part thumbnails", () => {
  it("lists every part as an overlay with colour and coverage", async () => {
    const res = await p.app.inject({ method: "GET", url: `/api/images/${image}/parts?factorisation=${PLANTED}&upsampling=bilinear` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.parts).toHaveLength(4);
    expect(body.parts.map((x: { coverage: number }) => x.coverage)).toEqual([0.25, 0.25, 0.25, 0.25]);
    const thumb = decodePng(Buffer.from(body.parts[0].png, "base64"));
    expect([thumb.width, thumb.height]).toEqual([16, 16]);
  });
});

describe("saliency", () => {
  it("answers a heat map with the threshold, and the thresholded mask", async () => {
    const heat = await post("saliency", { factorisation: PLANTED, appearance: 3 }, "application/octet-stream");
    expect(heat.statusCode).toBe(200);
    const threshold = Number(heat.headers["x-saliency-threshold"]);
    expect(threshold).toBeGreaterThan(0);
    expect(threshold).toBeLessThan(1);
    const mask = new Uint8Array((await post("saliency", { factorisation: PLANTED, appearance: 3, output: "mask" }, "application/octet-stream")).rawPayload);
    const h = new Uint8Array(heat.rawPayload);
    mask.forEach((m, i) => {
      if (Math.abs(h[i] / 255 - threshold) > 0.01) expect(m).toBe(h[i] / 255 >= threshold ? 255 : 0);
    });
  });

  it("answers the heat at 16 bits when asked: the same map, 257 times finer (raw little-endian, or a 16-bit PNG)", async () => {
    const body = { factorisation: PLANTED, appearance: 3, upsampling: "bilinear" };
    const coarse = new Uint8Array((await post("saliency", body, "application/octet-stream")).rawPayload);
    const res = await post("saliency", { ...body, bits: 16 }, "application/octet-stream");
    expect(res.headers["x-image-format"]).toBe("gray16");
    const raw = res.rawPayload;
    expect(raw.length).toBe(2 * 256);
    const fine = Array.from({ length: 256 }, (_, i) => raw.readUInt16LE(i * 2));
    fine.forEach((v, i) => expect(Math.abs(v / 257 - coarse[i])).toBeLessThanOrEqual(0.5 + 1e-9));
    // finer than 8 bits: levels that 8-bit heat merges are apart
    expect(new Set(fine).size).toBeGreaterThan(new Set(coarse).size);
    const png = (await post("saliency", { ...body, bits: 16 })).rawPayload;
    expect(png.readUInt8(24)).toBe(16); // IHDR bit depth
    expect(png.readUInt8(25)).toBe(0); // gray
  });
});

describe("edits", () => {
  it("changes the image inside the part much more than outside (ROIR < 0.5)", async () => {
    const before = decodePng((await p.app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed: 7 } })).rawPayload).rgba;
    const inside = new Float32Array(256).map((_, i) => (i % 16 < 8 && i < 128 ? 1 : 0));
    for (const appearance of [0, 5, 11]) {
      const res = await post("edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance, strength: 3 }] }, "application/octet-stream");
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-image-format"]).toBe("rgba8");
      const ratio = roir(before, new Uint8Array(res.rawPayload), inside);
      expect(ratio).toBeLessThan(0.5);
    }
  });

  it("applies several edits at once and returns the edited region in JSON", async () => {
    const one = await post("edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance: 1, strength: 2 }] }, "application/octet-stream");
    const two = await post("edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance: 1, strength: 2 }, { parts: [3], appearance: 2, strength: -2 }] }, "application/json");
    const body = two.json();
    const mask = decodePng(Buffer.from(body.mask, "base64"));
    expect([mask.width, mask.height]).toEqual([16, 16]);
    const edited = decodePng(Buffer.from(body.png, "base64")).rgba;
    expect(Buffer.compare(Buffer.from(edited), one.rawPayload)).not.toBe(0);
  });

  it("renders in full when a draft is asked of a model without a draft tail, and says so in X-Image-Quality", async () => {
    const edits = [{ parts: [0], appearance: 1, strength: 2 }];
    const full = await post("edits", { factorisation: PLANTED, edits }, "application/octet-stream");
    const draft = await post("edits", { factorisation: PLANTED, edits, quality: "draft" }, "application/octet-stream");
    expect([full.headers["x-image-quality"], draft.headers["x-image-quality"]]).toEqual(["full", "full"]);
    expect(Buffer.compare(full.rawPayload, draft.rawPayload)).toBe(0);
    const bad = await post("edits", { factorisation: PLANTED, edits, quality: "fast" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/quality/);
  });

  it("says in Server-Timing how long its steps took: the parts lookup, Z' and the tail", async () => {
    const res = await post("edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance: 1, strength: 1 }] }, "application/octet-stream");
    const steps = String(res.headers["server-timing"]).split(", ").map((s) => /^(\w+);dur=([\d.]+)$/.exec(s));
    expect(steps.map((m) => m?.[1])).toEqual(["parts", "edit", "tail"]);
    for (const m of steps) expect(Number(m![2])).toBeGreaterThanOrEqual(0);
  });

  it("sends the region in JSON whatever the strengths: the part's union, the same for every strength", async () => {
    const region = async (strength: number) =>
      (await post("edits", { factorisation: PLANTED, edits: [{ parts: [3], appearance: 2, strength }, { parts: [0], appearance: 1, strength: 2 * strength }] }, "application/json")).json().mask;
    const first = await region(1);
    expect(await region(-3)).toBe(first);
    const gray = decodePng(Buffer.from(first, "base64")).rgba;
    // parts 0 and 3 of the planted factorisation: top-left and bottom-right quadrants
    const quadrant = (qx: number, qy: number) => {
      let sum = 0;
      for (let y = 8 * qy; y < 8 * qy + 8; y++) for (let x = 8 * qx; x < 8 * qx + 8; x++) sum += gray[(y * 16 + x) * 4];
      return sum / 64;
    };
    expect(Math.min(quadrant(0, 0), quadrant(1, 1))).toBeGreaterThan(1.5 * Math.max(quadrant(1, 0), quadrant(0, 1)));
  });

  it("with strength 0 gives back the generated image", async () => {
    const before = (await p.app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed: 7 }, headers: { accept: "application/octet-stream" } })).rawPayload;
    const res = await post("edits", { factorisation: PLANTED, edits: [{ parts: [1], appearance: 0, strength: 0 }] }, "application/octet-stream");
    expect(Buffer.compare(res.rawPayload, before)).toBe(0);
  });
});

describe("removal", () => {
  it("in feature space changes the part and names the background appearance", async () => {
    const before = new Uint8Array((await p.app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed: 7 }, headers: { accept: "application/octet-stream" } })).rawPayload);
    const res = await post("removal", { factorisation: PLANTED, parts: [3], method: "feature" }, "application/octet-stream");
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers["x-background-appearance"])).toBe(p.planted.background.appearance);
    const after = new Uint8Array(res.rawPayload);
    const inside = new Float32Array(256).map((_, i) => (i % 16 >= 8 && i >= 128 ? 1 : 0));
    expect(roir(before, after, inside)).toBeLessThan(0.5);
  });

  it("in pixel space makes the part transparent, or fills it with one background colour", async () => {
    const clear = new Uint8Array((await post("removal", { factorisation: PLANTED, parts: [0], method: "pixel", upsampling: "bilinear" }, "application/octet-stream")).rawPayload);
    for (let i = 0; i < 256; i++) expect(clear[i * 4 + 3]).toBe(i % 16 < 8 && i < 128 ? 0 : 255);
    const filled = new Uint8Array((await post("removal", { factorisation: PLANTED, parts: [0], method: "pixel", fill: "background", background: 2, upsampling: "bilinear" }, "application/octet-stream")).rawPayload);
    const first = Array.from(filled.slice(0, 4));
    expect(first[3]).toBe(255);
    for (let i = 0; i < 256; i++) if (i % 16 < 8 && i < 128) expect(Array.from(filled.slice(i * 4, i * 4 + 4))).toEqual(first);
  });
});

describe("bad input", () => {
  const cases: [string, string, object, number, string | RegExp][] = [
    ["unknown part", "masks", { factorisation: PLANTED, parts: [4] }, 400, /no part 4.*4 parts \(0 … 3\)/],
    ["unknown appearance", "saliency", { factorisation: PLANTED, appearance: 16 }, 400, /no appearance 16.*16 appearances/],
    ["unknown appearance in an edit", "edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance: 99, strength: 1 }] }, 400, /no appearance 99/],
    ["unknown part in an edit", "edits", { factorisation: PLANTED, edits: [{ parts: [0, 7], appearance: 1, strength: 1 }] }, 400, /no part 7/],
    ["unknown background", "removal", { factorisation: PLANTED, parts: [0], method: "feature", background: 40 }, 400, /no appearance 40/],
    ["unknown factorisation", "masks", { factorisation: "nope", parts: [0] }, 404, /no factorisation "nope"/],
    ["empty part list", "masks", { factorisation: PLANTED, parts: [] }, 400, /parts/],
    ["repeated parts", "masks", { factorisation: PLANTED, parts: [1, 1] }, 400, /parts/],
    ["negative part", "masks", { factorisation: PLANTED, parts: [-1] }, 400, /parts/],
    ["threshold on a soft mask", "masks", { factorisation: PLANTED, parts: [0], kind: "soft", threshold: 0.5 }, 400, /binary masks only/],
    ["fill with the feature method", "removal", { factorisation: PLANTED, parts: [0], method: "feature", fill: "background" }, 400, /pixel method only/],
    ["unknown upsampling", "masks", { factorisation: PLANTED, parts: [0], upsampling: "bicubic" }, 400, /upsampling/],
    ["negative feather", "masks", { factorisation: PLANTED, parts: [0], feather: -2 }, 400, /feather/],
    ["unknown method", "removal", { factorisation: PLANTED, parts: [0], method: "magic" }, 400, /method/],
    ["no edits", "edits", { factorisation: PLANTED, edits: [] }, 400, /edits/],
    ["a strength that is not a number", "edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance: 1, strength: "big" }] }, 400, /strength/],
    ["an unknown field", "saliency", { factorisation: PLANTED, appearance: 1, colour: "red" }, 400, /unknown field "colour"/],
  ];
  it.each(cases)("%s", async (_name, path, payload, status, message) => {
    const res = await post(path, payload);
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toMatch(message);
  });

  it("404s an unknown image", async () => {
    const res = await p.app.inject({ method: "POST", url: "/api/images/missing/masks", payload: { factorisation: PLANTED, parts: [0] } });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe("UNKNOWN_IMAGE");
  });

  it("406s an Accept it cannot answer", async () => {
    const res = await post("edits", { factorisation: PLANTED, edits: [{ parts: [0], appearance: 1, strength: 1 }] }, "image/webp");
    expect(res.statusCode).toBe(406);
  });

  it("404s part thumbnails of an unknown factorisation or image", async () => {
    expect((await p.app.inject({ method: "GET", url: `/api/images/${image}/parts?factorisation=nope` })).json().code).toBe("UNKNOWN_FACTORISATION");
    expect((await p.app.inject({ method: "GET", url: `/api/images/nope/parts?factorisation=${PLANTED}` })).json().code).toBe("UNKNOWN_IMAGE");
  });

  it("400s a part-thumbnail request without a factorisation", async () => {
    const res = await p.app.inject({ method: "GET", url: `/api/images/${image}/parts` });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/factorisation/);
  });
});

it("refuses a factorisation of another model than the image", async () => {
  const models = tempDir("panda-models-");
  const data = tempDir("panda-data-");
  try {
    // a second bundle, identical but for its id
    for (const id of ["tiny-test", "tiny-other"]) {
      await writeTinyBundle(join(models.dir, id));
      const manifest = JSON.parse(readFileSync(join(models.dir, id, "model.json"), "utf8"));
      writeFileSync(join(models.dir, id, "model.json"), JSON.stringify({ ...manifest, id }));
    }
    const { savePlanted } = await import("../engine/product/fixtures");
    mkdirSync(join(data.dir, "factorisations"), { recursive: true });
    await savePlanted(data.dir, "other", p.planted, { model: "tiny-other" });
    const q = await buildProductApp({ modelDirs: [models.dir], dataDir: data.dir });
    try {
      const img = await q.generate(1);
      const res = await q.app.inject({ method: "POST", url: `/api/images/${img}/masks`, payload: { factorisation: "other", parts: [0] } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: "FACTORISATION_MISMATCH" });
      expect(res.json().message).toMatch(/fitted on model "tiny-other".*is of model "tiny-test"/);
    } finally {
      await q.close();
    }
  } finally {
    models.remove();
    data.remove();
  }
});
