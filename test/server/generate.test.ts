import { FastifyInstance } from "fastify";
import { PNG } from "pngjs";
import { buildTestApp } from "../helpers/server";

let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await buildTestApp()));
afterAll(async () => close());

const generate = (body: object, accept?: string) =>
  app.inject({ method: "POST", url: "/api/generate", payload: body, headers: accept ? { accept } : {} });

describe("POST /api/generate", () => {
  it("answers a PNG by default, with the image id and size in headers", async () => {
    const res = await generate({ model: "tiny-test", seed: 42 });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("image/png");
    expect(res.headers["x-image-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["x-image-seed"]).toBe("42");
    const png = PNG.sync.read(res.rawPayload);
    expect([png.width, png.height]).toEqual([16, 16]);
  });

  it("answers raw RGBA for the Photoshop panel, the same pixels as the PNG", async () => {
    const png = PNG.sync.read((await generate({ model: "tiny-test", seed: 7 })).rawPayload);
    const raw = await generate({ model: "tiny-test", seed: 7 }, "application/octet-stream");
    expect(raw.headers["content-type"]).toBe("application/octet-stream");
    expect(raw.headers["x-image-width"]).toBe("16");
    expect(raw.headers["x-image-height"]).toBe("16");
    expect(raw.headers["x-image-format"]).toBe("rgba8");
    expect(raw.rawPayload.length).toBe(16 * 16 * 4);
    expect(Buffer.compare(raw.rawPayload, png.data)).toBe(0);
    // opaque and not a flat colour
    expect(raw.rawPayload.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    expect(new Set(raw.rawPayload.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(10);
  });

  it("is deterministic for a seed and differs between seeds", async () => {
    const a = await generate({ model: "tiny-test", seed: 3 }, "application/octet-stream");
    const b = await generate({ model: "tiny-test", seed: 3 }, "application/octet-stream");
    const c = await generate({ model: "tiny-test", seed: 4 }, "application/octet-stream");
    expect(Buffer.compare(a.rawPayload, b.rawPayload)).toBe(0);
    expect(Buffer.compare(a.rawPayload, c.rawPayload)).not.toBe(0);
    expect(a.headers["x-image-id"]).not.toBe(b.headers["x-image-id"]);
  });

  it("takes an explicit latent and truncation; ψ = 0 gives the mean image whatever the latent", async () => {
    const latent = Array.from({ length: 16 }, (_, i) => Math.sin(i));
    const other = latent.map((v) => -2 * v);
    const res = await generate({ model: "tiny-test", latent, truncation: 0.5 }, "application/json");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ model: "tiny-test", seed: null, truncation: 0.5, width: 16, height: 16 });
    expect(PNG.sync.read(Buffer.from(body.png, "base64")).width).toBe(16);
    const m1 = await generate({ model: "tiny-test", latent, truncation: 0 }, "application/octet-stream");
    const m2 = await generate({ model: "tiny-test", latent: other, truncation: 0 }, "application/octet-stream");
    expect(Buffer.compare(m1.rawPayload, m2.rawPayload)).toBe(0);
  });

  it("picks a random seed when given neither seed nor latent, and reports it", async () => {
    const res = await generate({ model: "tiny-test" }, "application/json");
    expect(res.statusCode).toBe(200);
    expect(Number.isInteger(res.json().seed)).toBe(true);
  });

  it("keeps the generated image with its feature maps for later edits", async () => {
    const res = await generate({ model: "tiny-test", seed: 9 });
    const cached = app.images.get(res.headers["x-image-id"] as string);
    expect(cached?.seed).toBe(9);
    expect(cached?.features.get("4x4")?.features.length).toBe(16 * 4 * 4);
  });
});

describe("GET /api/images/:id", () => {
  it("tells what made an image; its latent and truncation generate the same pixels again", async () => {
    const first = await generate({ model: "tiny-test", seed: 11, truncation: 0.7 }, "application/octet-stream");
    const info = await app.inject({ method: "GET", url: `/api/images/${first.headers["x-image-id"]}` });
    expect(info.statusCode).toBe(200);
    const body = info.json();
    expect(body).toMatchObject({ id: first.headers["x-image-id"], model: "tiny-test", seed: 11, truncation: 0.7, width: 16, height: 16 });
    expect(body.latent).toHaveLength(16);
    const again = await generate({ model: "tiny-test", latent: body.latent, truncation: body.truncation }, "application/octet-stream");
    expect(Buffer.compare(again.rawPayload, first.rawPayload)).toBe(0);
  });

  it("404s an image it no longer keeps, saying to generate it again", async () => {
    const res = await app.inject({ method: "GET", url: "/api/images/no-such-image" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "UNKNOWN_IMAGE", message: expect.stringContaining("generate it again") });
  });
});
