/** Saved factorisations over HTTP, fitting one as a job with events over the WebSocket, and bad input. */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { savePlanted } from "../engine/product/fixtures";
import { buildProductApp, PLANTED, ProductApp } from "./product-app";

let p: ProductApp;
beforeAll(async () => {
  p = await buildProductApp();
});
afterAll(() => p.close());

/** Collects the events of the app's WebSocket until `done` says stop. */
async function collectEvents(run: () => Promise<void>, done: (e: { type: string; jobId: string }) => boolean): Promise<{ type: string; jobId: string; [k: string]: unknown }[]> {
  const ws: WebSocket = await p.app.injectWS("/api/events", { headers: { host: "127.0.0.1" } });
  const events: { type: string; jobId: string }[] = [];
  const finished = new Promise<void>((resolve) =>
    ws.on("message", (data) => {
      const e = JSON.parse(data.toString());
      events.push(e);
      if (done(e)) resolve();
    }),
  );
  await run();
  await finished;
  ws.terminate();
  return events;
}

describe("saved factorisations", () => {
  it("lists them with their problems, filters by model and layer", async () => {
    const res = await p.app.inject({ method: "GET", url: "/api/factorisations?model=tiny-test&layer=4x4" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.factorisations.map((f: { id: string }) => f.id)).toContain(PLANTED);
    expect(body.factorisations[0]).toMatchObject({ model: "tiny-test", layer: "4x4", ranks: { parts: 4, appearances: 16 }, readOnly: false, contactSheet: null });
    expect(body.problems).toEqual([]);
    expect((await p.app.inject({ method: "GET", url: "/api/factorisations?layer=8x8" })).json().factorisations).toEqual([]);
  });

  it("gets one with its saliency statistics", async () => {
    const res = await p.app.inject({ method: "GET", url: `/api/factorisations/${PLANTED}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().saliency.min).toHaveLength(16);
    expect(res.json().background).toEqual(p.planted.background);
  });

  it("400s an unknown query field", async () => {
    const res = await p.app.inject({ method: "GET", url: "/api/factorisations?modle=tiny-test" });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/unknown field "modle"/);
  });

  it("404s unknown ids and models", async () => {
    for (const url of ["/api/factorisations/nope", "/api/factorisations/nope/contact-sheet.png", "/api/factorisations?model=nope"]) {
      const res = await p.app.inject({ method: "GET", url });
      expect(res.statusCode).toBe(404);
    }
    expect((await p.app.inject({ method: "DELETE", url: "/api/factorisations/nope" })).statusCode).toBe(404);
    const noSheet = await p.app.inject({ method: "GET", url: `/api/factorisations/${PLANTED}/contact-sheet.png` });
    expect([noSheet.statusCode, noSheet.json().code]).toEqual([404, "NO_CONTACT_SHEET"]);
  });

  it("deletes a user's factorisation", async () => {
    const dir = await savePlanted(p.dataDir, "doomed", p.planted);
    p.app.factorisations.load();
    const res = await p.app.inject({ method: "DELETE", url: "/api/factorisations/doomed" });
    expect(res.statusCode).toBe(204);
    expect(existsSync(dir)).toBe(false);
    expect((await p.app.inject({ method: "GET", url: "/api/factorisations/doomed" })).statusCode).toBe(404);
  });

  it("refuses to delete one shipped with the model (403) and lists broken folders as problems", async () => {
    const bundleDir = p.app.generators.get("tiny-test")!.bundle.dir;
    const shipped = join(bundleDir, "factorisations", "shipped");
    mkdirSync(join(bundleDir, "factorisations"), { recursive: true });
    cpSync(join(p.dataDir, "factorisations", "tiny-test", PLANTED), shipped, { recursive: true });
    writeFileSync(join(shipped, "meta.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(shipped, "meta.json"), "utf8")), id: "shipped" }));
    const broken = join(p.dataDir, "factorisations", "tiny-test", "broken");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "meta.json"), "{ not json");
    p.app.factorisations.load();
    try {
      const res = await p.app.inject({ method: "DELETE", url: "/api/factorisations/shipped" });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: "FACTORISATION_READ_ONLY" });
      expect(res.json().message).toMatch(/ships with model "tiny-test" and is read-only/);
      expect((await p.app.inject({ method: "GET", url: "/api/factorisations/shipped" })).json().readOnly).toBe(true);
      const problems = (await p.app.inject({ method: "GET", url: "/api/factorisations" })).json().problems;
      expect(problems).toEqual([{ path: join(broken, "meta.json"), problem: expect.stringMatching(/^bad JSON/) }]);
    } finally {
      rmSync(join(bundleDir, "factorisations"), { recursive: true });
      rmSync(broken, { recursive: true });
      p.app.factorisations.load();
    }
  });
});

describe("fitting a factorisation as a job", () => {
  const request = { model: "tiny-test", layer: "4x4", parts: 4, appearances: 16, samples: 48, seed: 3, name: "fitted" };

  it("answers 202, streams progress, then finished; the result is saved with a contact sheet", async () => {
    let jobId = "";
    const events = await collectEvents(
      async () => {
        const res = await p.app.inject({ method: "POST", url: "/api/factorisations", payload: request });
        expect(res.statusCode).toBe(202);
        expect(res.json()).toMatchObject({ factorisationId: "fitted", events: "/api/events" });
        jobId = res.json().jobId;
      },
      (e) => e.type !== "progress",
    );
    expect(events.every((e) => e.jobId === jobId)).toBe(true);
    expect(events.at(-1)).toEqual({ type: "finished", jobId, factorisationId: "fitted" });
    const fractions = events.filter((e) => e.type === "progress").map((e) => e.fraction as number);
    expect(fractions.length).toBeGreaterThan(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);

    const job = (await p.app.inject({ method: "GET", url: `/api/jobs/${jobId}` })).json();
    expect(job).toMatchObject({ id: jobId, kind: "factorisation", model: "tiny-test", state: "finished", factorisationId: "fitted", error: null });

    const saved = (await p.app.inject({ method: "GET", url: "/api/factorisations/fitted" })).json();
    expect(saved).toMatchObject({ model: "tiny-test", layer: "4x4", ranks: { parts: 4, appearances: 16 }, solver: "fast", seed: 3, samples: 48, readOnly: false });
    expect(saved.relativeObjective).toBeGreaterThanOrEqual(0);
    expect(saved.relativeObjective).toBeLessThan(1);
    const sheet = await p.app.inject({ method: "GET", url: saved.contactSheet });
    expect(sheet.headers["content-type"]).toBe("image/png");
    const png = decodePng(sheet.rawPayload);
    // 4 rows of samples; columns: the image and 4 parts; cells of 64 px with 2 px gaps
    expect([png.width, png.height]).toEqual([5 * 64 + 6 * 2, 4 * 64 + 5 * 2]);

    // a second job with the same name is refused
    const again = await p.app.inject({ method: "POST", url: "/api/factorisations", payload: request });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe("FACTORISATION_EXISTS");
    // cancelling a finished job is refused
    const cancel = await p.app.inject({ method: "DELETE", url: `/api/jobs/${jobId}` });
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().message).toMatch(/has already finished/);

    // the fitted factorisation drives edits of a generated image
    const image = await p.generate(11);
    const edit = await p.app.inject({ method: "POST", url: `/api/images/${image}/edits`, payload: { factorisation: "fitted", edits: [{ parts: [0], appearance: 0, strength: 5 }] } });
    expect(edit.statusCode).toBe(200);
  });

  it("cancels a job: a queued one at once, a running one when its solver stops", async () => {
    const slow = { model: "tiny-test", layer: "4x4", parts: 4, appearances: 16, samples: 64, solver: "reference", iterations: 100000 };
    const ids: string[] = [];
    const events = await collectEvents(
      async () => {
        for (let i = 0; i < 2; i++) ids.push((await p.app.inject({ method: "POST", url: "/api/factorisations", payload: slow })).json().jobId);
        expect((await p.app.inject({ method: "GET", url: `/api/jobs/${ids[1]}` })).json().state).toBe("queued");
        const second = await p.app.inject({ method: "DELETE", url: `/api/jobs/${ids[1]}` });
        expect(second.statusCode).toBe(202);
        await new Promise((r) => setTimeout(r, 300));
        expect((await p.app.inject({ method: "DELETE", url: `/api/jobs/${ids[0]}` })).statusCode).toBe(202);
      },
      (e) => e.type === "cancelled" && e.jobId === ids[0],
    );
    expect(events.filter((e) => e.type === "cancelled").map((e) => e.jobId)).toEqual([ids[1], ids[0]]);
    expect((await p.app.inject({ method: "GET", url: `/api/jobs/${ids[0]}` })).json().state).toBe("cancelled");
    const again = await p.app.inject({ method: "DELETE", url: `/api/jobs/${ids[0]}` });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already been cancelled/);
  });

  const bad: [string, object, number, string | RegExp][] = [
    ["too many parts for the layer", { ...request, name: undefined, parts: 17 }, 400, /parts = 17 is too large for layer "4x4".*at most 16/],
    ["too many appearances for the layer", { ...request, name: undefined, appearances: 17 }, 400, /appearances = 17 is too large.*at most 16: C = 16 channels/],
    ["an unknown model", { ...request, model: "nope" }, 404, /unknown model "nope"/],
    ["an unknown layer", { ...request, layer: "2x2" }, 400, /no layer "2x2"; layers: 4x4, 8x8/],
    ["an unknown solver", { ...request, solver: "magic" }, 400, /solver/],
    ["zero parts", { ...request, parts: 0 }, 400, /parts/],
    ["a name with a slash", { ...request, name: "../evil" }, 400, /name/],
    ["an unknown field", { ...request, rank: 3 }, 400, /unknown field "rank"/],
    ["a batch larger than the samples", { ...request, solver: "reference", batchSize: 49 }, 400, /batchSize 49 is larger than samples 48/],
  ];
  it.each(bad)("refuses %s", async (_name, payload, status, message) => {
    const res = await p.app.inject({ method: "POST", url: "/api/factorisations", payload });
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toMatch(message);
  });

  it("refuses the name of a folder that could not be loaded with 409 at once, before any work", async () => {
    await savePlanted(p.dataDir, "corrupted", p.planted);
    writeFileSync(join(p.dataDir, "factorisations", "tiny-test", "corrupted", "meta.json"), "{ broken");
    p.app.factorisations.load();
    const jobsBefore = p.app.jobs.list().length;
    for (const name of ["corrupted", "CORRUPTED", "Planted"]) {
      const res = await p.app.inject({ method: "POST", url: "/api/factorisations", payload: { ...request, name } });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: "FACTORISATION_EXISTS", message: expect.stringMatching(new RegExp(`the name "${name}" is taken \\((the folder .*corrupted exists already|a factorisation "planted" exists already)`)) });
    }
    expect(p.app.jobs.list()).toHaveLength(jobsBefore);
  });

  it.each([
    ["con", /"con" is a device name on Windows/],
    ["LPT1.txt", /"LPT1" is a device name on Windows/],
    ["nul.parts", /"nul" is a device name on Windows/],
    ["a.", /Windows drops a final '\.'/],
  ])("refuses the name %s, which is not a folder on every system", async (name, why) => {
    const res = await p.app.inject({ method: "POST", url: "/api/factorisations", payload: { ...request, name } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "NAME_NOT_PORTABLE", message: expect.stringMatching(why) });
  });

  it("reports a job that fails (a model file gone missing) with a failed event and its message", async () => {
    const bundleDir = p.app.generators.get("tiny-test")!.bundle.dir;
    const head = join(bundleDir, "8x8", "head.onnx");
    const saved = readFileSync(head);
    rmSync(head);
    try {
      let jobId = "";
      const events = await collectEvents(
        async () => {
          jobId = (await p.app.inject({ method: "POST", url: "/api/factorisations", payload: { model: "tiny-test", layer: "8x8", parts: 2, appearances: 2, samples: 4 } })).json().jobId;
        },
        (e) => e.type !== "progress",
      );
      expect(events.at(-1)).toEqual({ type: "failed", jobId, message: expect.stringContaining("head.onnx") });
      expect((await p.app.inject({ method: "GET", url: `/api/jobs/${jobId}` })).json()).toMatchObject({ state: "failed", error: expect.stringContaining("head.onnx") });
      expect((await p.app.inject({ method: "GET", url: "/api/factorisations?layer=8x8" })).json().factorisations).toEqual([]);
    } finally {
      writeFileSync(head, saved);
    }
  });

  it("404s unknown jobs", async () => {
    expect((await p.app.inject({ method: "GET", url: "/api/jobs/nope" })).statusCode).toBe(404);
    expect((await p.app.inject({ method: "DELETE", url: "/api/jobs/nope" })).json().code).toBe("UNKNOWN_JOB");
  });
});
