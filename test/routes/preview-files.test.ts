/**
 * What a page needs to run the live preview itself: the model's tail graphs (listed with hashes,
 * served with ETags), the image's features and the factorisation's factors as float32 .npy, and
 * ONNX Runtime Web's WebAssembly build beside the editor. Run here through onnxruntime-node, the
 * served tail on the served features gives the generated image back.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { DEFAULT_MODELS_DIR } from "../../companion-server/src/cli/paths";
import { parseNpy, toFloat32 } from "../../companion-server/src/engine/io/npy-parse";
import { tensorToRgba } from "../../companion-server/src/engine/imaging/rgba";
import { ORT_WEB_FILES } from "../../companion-server/src/api/preview-files";
import { buildTestApp, tempDir } from "../helpers/server";

const BUNDLE = join(DEFAULT_MODELS_DIR, "synthfaces");
const FACTORISATION = "synthfaces-8x8";
let app: Awaited<ReturnType<typeof buildTestApp>>["app"];
let close: () => Promise<void>;
let image: string;
let generated: Uint8Array;
const web = tempDir("panda-web-");

beforeAll(async () => {
  ({ app, close } = await buildTestApp({ modelDirs: [DEFAULT_MODELS_DIR], webRoot: web.dir }));
  const res = await app.inject({ method: "POST", url: "/api/generate", payload: { model: "synthfaces", seed: 11 }, headers: { accept: "application/octet-stream" } });
  image = res.headers["x-image-id"] as string;
  generated = new Uint8Array(res.rawPayload);
}, 60_000);
afterAll(async () => {
  await close();
  web.remove();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: "GET", url, headers });
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("the model's files", () => {
  it("lists model.json and every layer's tail and draft with their sizes and hashes", async () => {
    const res = await get("/api/models/synthfaces/files");
    expect(res.statusCode).toBe(200);
    const { model, files } = res.json() as { model: string; files: Record<string, { bytes: number; sha256: string }> };
    expect(model).toBe("synthfaces");
    expect(Object.keys(files).sort()).toEqual(["16x16/draft.onnx", "16x16/tail.onnx", "32x32/draft.onnx", "32x32/tail.onnx", "8x8/draft.onnx", "8x8/tail.onnx", "model.json"]);
    const tail = readFileSync(join(BUNDLE, "8x8/tail.onnx"));
    expect(files["8x8/tail.onnx"]).toEqual({ bytes: tail.length, sha256: sha(tail) });
  });

  it("serves a file as it is on disk, with its hash as ETag, and answers 304 to that ETag", async () => {
    const res = await get("/api/models/synthfaces/files/8x8/tail.onnx");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    const disk = readFileSync(join(BUNDLE, "8x8/tail.onnx"));
    expect(Buffer.compare(res.rawPayload, disk)).toBe(0);
    expect(res.headers.etag).toBe(`"${sha(disk)}"`);
    expect(res.headers["cache-control"]).toBe("no-cache");
    const again = await get("/api/models/synthfaces/files/8x8/tail.onnx", { "if-none-match": res.headers.etag as string });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    const json = await get("/api/models/synthfaces/files/model.json");
    expect(json.headers["content-type"]).toMatch(/^application\/json/);
    expect((json.json() as { id: string }).id).toBe("synthfaces");
  });

  it("refuses files outside the listing (heads, other files, paths out of the bundle) with a 404 naming the files", async () => {
    for (const path of ["8x8/head.onnx", "parser.onnx", "../synthfaces-64/model.json", "%2e%2e/model.json"]) {
      const res = await get(`/api/models/synthfaces/files/${path}`);
      expect(res.statusCode).toBe(404);
      const body = res.json() as { code: string; message: string };
      expect(["UNKNOWN_MODEL_FILE", "UNKNOWN_ROUTE"]).toContain(body.code);
      if (body.code === "UNKNOWN_MODEL_FILE") expect(body.message).toContain("8x8/tail.onnx");
    }
    expect((await get("/api/models/nope/files")).json()).toMatchObject({ statusCode: 404, code: "UNKNOWN_MODEL" });
  });

  it("serves the served tail that, on the served features, renders the generated image", async () => {
    const features = await get(`/api/images/${image}/features?layer=8x8`);
    expect(features.statusCode).toBe(200);
    expect(features.headers["content-type"]).toBe("application/x-npy");
    const z = parseNpy(new Uint8Array(features.rawPayload));
    expect([z.dtype, z.shape]).toEqual(["float32", [1, 256, 8, 8]]);
    const tail = await ort.InferenceSession.create(new Uint8Array((await get("/api/models/synthfaces/files/8x8/tail.onnx")).rawPayload));
    const out = await tail.run({ features: new ort.Tensor("float32", toFloat32(z), [1, 256, 8, 8]) });
    const rgba = tensorToRgba(out.image.data as Float32Array, 0, 3, 256, 256, [-1, 1]).rgba;
    let worst = 0;
    for (let i = 0; i < rgba.length; i++) worst = Math.max(worst, Math.abs(rgba[i] - generated[i]));
    expect(worst).toBeLessThanOrEqual(1);
    await tail.release();
  });

  it("serves a draft as the server runs it: its image at the model's size", async () => {
    const draft = await ort.InferenceSession.create(new Uint8Array((await get("/api/models/synthfaces/files/8x8/draft.onnx")).rawPayload));
    const z = toFloat32(parseNpy(new Uint8Array((await get(`/api/images/${image}/features?layer=8x8`)).rawPayload)));
    const out = await draft.run({ features: new ort.Tensor("float32", z, [1, 256, 8, 8]) });
    expect(out.image.dims).toEqual([1, 3, 256, 256]);
    await draft.release();
  });
});

describe("an image's features and a factorisation's factors", () => {
  it("refuses an unknown tensor, layer or image by name", async () => {
    expect((await get(`/api/images/${image}/features?layer=8x8&tensor=w`)).json()).toMatchObject({ statusCode: 400, code: "UNKNOWN_TENSOR", message: expect.stringContaining("features") });
    expect((await get(`/api/images/${image}/features?layer=4x4`)).json()).toMatchObject({ statusCode: 400, code: "UNKNOWN_LAYER" });
    expect((await get(`/api/images/nope/features?layer=8x8`)).json()).toMatchObject({ statusCode: 404, code: "UNKNOWN_IMAGE" });
    expect((await get(`/api/images/${image}/features`)).statusCode).toBe(400);
  });

  it("answers P and A as the folder keeps them", async () => {
    for (const file of ["parts.npy", "appearances.npy"]) {
      const res = await get(`/api/factorisations/${FACTORISATION}/${file}`);
      expect(res.statusCode).toBe(200);
      const served = parseNpy(new Uint8Array(res.rawPayload));
      const disk = parseNpy(readFileSync(join(BUNDLE, "factorisations", FACTORISATION, file)));
      expect(served.shape).toEqual(disk.shape);
      expect(Array.from(toFloat32(served))).toEqual(Array.from(toFloat32(disk)));
    }
    expect((await get(`/api/factorisations/nope/parts.npy`)).json()).toMatchObject({ statusCode: 404, code: "UNKNOWN_FACTORISATION" });
    expect((await get(`/api/factorisations/${FACTORISATION}/meta.json`)).statusCode).toBe(400);
  });
});

describe("ONNX Runtime Web beside the editor", () => {
  it("serves its WebAssembly build with the browser's MIME types, and nothing else of the package", async () => {
    const types: Record<string, RegExp> = { "ort.wasm.min.js": /javascript/, "ort-wasm-simd-threaded.mjs": /javascript/, "ort-wasm-simd-threaded.wasm": /^application\/wasm/ };
    for (const file of ORT_WEB_FILES) {
      const res = await get(`/ort/${file}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(types[file]);
    }
    expect((await get("/ort/ort.all.min.js")).statusCode).toBe(404);
    expect((await get("/ort/ort.node.min.js")).statusCode).toBe(404);
  });
});
