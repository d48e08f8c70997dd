import { FastifyInstance } from "fastify";
import { buildTestApp } from "../helpers/server";

let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await buildTestApp()));
afterAll(async () => close());

it("GET /api/health says the device in use and the models loaded", async () => {
  const res = await app.inject("/api/health");
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: "ok", device: { requested: "cpu", active: "cpu", fallbackReason: null }, models: 1, brokenModels: [] });
});

it("GET /api/models lists id, title, image size, latent and layers with feature shapes", async () => {
  const res = await app.inject("/api/models");
  expect(res.statusCode).toBe(200);
  expect(res.json().models).toEqual([
    expect.objectContaining({
      id: "tiny-test",
      testModel: true,
      image: { width: 16, height: 16, channels: 3 },
      latent: { size: 16, distribution: "normal" },
      truncation: { supported: true, default: 1 },
      layers: [
        { id: "4x4", channels: 16, height: 4, width: 4, default: true },
        { id: "8x8", channels: 8, height: 8, width: 8, default: false },
      ],
    }),
  ]);
});

it("GET /api lists the routes", async () => {
  expect((await app.inject("/api")).json().routes).toEqual(expect.arrayContaining(["GET /api/health", "GET /api/models", "POST /api/generate"]));
});
