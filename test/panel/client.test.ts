/** The panel's HTTP/WebSocket client against a real companion server holding a fresh tiny bundle. */
import WebSocket from "ws";
import { HttpPandaClient } from "../../plugin/src/client/http-client";
import { ClientError } from "../../plugin/src/client/errors";
import type { WebSocketFactory } from "../../plugin/src/client/job-events";
import type { JobEventMessage } from "../../plugin/src/client/client";
import { startTestServer, tempDir } from "../helpers/server";

const webSocket = WebSocket as unknown as WebSocketFactory;
let server: Awaited<ReturnType<typeof startTestServer>>;
let data: ReturnType<typeof tempDir>;
let client: HttpPandaClient;

beforeAll(async () => {
  data = tempDir("panda-data-");
  server = await startTestServer({ dataDir: data.dir });
  client = new HttpPandaClient(server.url, { webSocket });
});
afterAll(async () => {
  await server.close();
  data.remove();
});

async function collect(events: AsyncIterable<JobEventMessage>): Promise<JobEventMessage[]> {
  const seen: JobEventMessage[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

test("health and models", async () => {
  expect((await client.health()).status).toBe("ok");
  const models = await client.models();
  expect(models.map((m) => m.id)).toEqual(["tiny-test"]);
});

test("generate answers raw RGBA with the image id and seed", async () => {
  const a = await client.generate({ model: "tiny-test", seed: 7 });
  const b = await client.generate({ model: "tiny-test", seed: 7 });
  expect(a.seed).toBe(7);
  expect(a.image.width * a.image.height * 4).toBe(a.image.rgba.length);
  expect(a.image.width).toBe(16);
  expect(a.id).not.toBe(b.id);
  expect(Buffer.from(a.image.rgba).equals(Buffer.from(b.image.rgba))).toBe(true);
});

test("server errors carry the server's own message and code", async () => {
  await expect(client.generate({ model: "no-such-model", seed: 1 })).rejects.toMatchObject({ kind: "server", status: 404, code: "UNKNOWN_MODEL", message: expect.stringContaining("tiny-test") });
  await expect(client.generate({ model: "tiny-test", seed: -1 })).rejects.toMatchObject({ kind: "server", status: 400 });
});

test("an address where no server listens is reported as unreachable, with the address", async () => {
  const nowhere = new HttpPandaClient("http://127.0.0.1:9", { webSocket });
  const err = await nowhere.health().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ClientError);
  expect(err).toMatchObject({ kind: "unreachable", message: expect.stringContaining("http://127.0.0.1:9") });
});

describe("with a fitted factorisation", () => {
  let factorisationId: string;
  let imageId: string;

  beforeAll(async () => {
    const run = await client.startFactorisation({ model: "tiny-test", parts: 4, appearances: 16, samples: 64, seed: 3, name: "client-test" });
    const events = await collect(run.events);
    expect(events.at(-1)).toMatchObject({ type: "finished", jobId: run.jobId, factorisationId: "client-test" });
    expect(events.every((e) => e.jobId === run.jobId)).toBe(true);
    factorisationId = run.factorisationId;
    imageId = (await client.generate({ model: "tiny-test", seed: 11 })).id;
  });

  test("the saved factorisation is listed for its model", async () => {
    const list = await client.factorisations({ model: "tiny-test" });
    expect(list.map((f) => f.id)).toContain(factorisationId);
  });

  test("part thumbnails, masks, saliency, edits and removal", async () => {
    const thumbs = await client.partThumbnails(imageId, factorisationId);
    expect(thumbs.parts).toHaveLength(4);
    // the parts refined for this image (as the panel shows them) are other overlays than the global ones
    const refined = await client.partThumbnails(imageId, factorisationId, { refine: true });
    expect(refined.parts.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(refined.parts.map((p) => p.png)).not.toEqual(thumbs.parts.map((p) => p.png));
    const mask = await client.partMask(imageId, { factorisation: factorisationId, parts: [0] });
    expect(mask.gray).toHaveLength(16 * 16);
    expect(mask.gray.every((v) => v === 0 || v === 255)).toBe(true);
    expect((await client.saliencyMask(imageId, { factorisation: factorisationId, appearance: 0 })).gray).toHaveLength(256);
    expect((await client.saliencyHeat(imageId, { factorisation: factorisationId, appearance: 0 })).gray).toHaveLength(256);
    const edited = await client.edit(imageId, { factorisation: factorisationId, edits: [{ parts: [0], appearance: 0, strength: 20 }] });
    expect(edited.rgba).toHaveLength(1024);
    expect((await client.removal(imageId, { factorisation: factorisationId, parts: [0], method: "feature" })).rgba).toHaveLength(1024);
  });

  test("an invalid part index is refused with the server's explanation", async () => {
    await expect(client.partMask(imageId, { factorisation: factorisationId, parts: [9] })).rejects.toMatchObject({ code: "UNKNOWN_PART", message: expect.stringContaining("4 parts") });
  });
});

test("a running job can be cancelled and its stream ends with the cancelled event", async () => {
  const run = await client.startFactorisation({ model: "tiny-test", parts: 4, appearances: 16, samples: 64, solver: "reference", iterations: 1000000, name: "to-cancel" });
  const events: JobEventMessage[] = [];
  for await (const event of run.events) {
    events.push(event);
    if (event.type === "progress" && events.length === 1) await client.cancelJob(run.jobId);
  }
  expect(events.at(-1)).toMatchObject({ type: "cancelled", jobId: run.jobId });
});
