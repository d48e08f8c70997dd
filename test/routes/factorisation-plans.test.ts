/**
 * Factorisation jobs over HTTP are planned up front: the 202 states the memory, disk and minutes
 * they need, a job that cannot fit is refused with 413 naming the limit and what to lower, and the
 * progress events name the phase with its counts.
 */
import { readdirSync } from "node:fs";
import WebSocket from "ws";
import { FastifyInstance } from "fastify";
import { buildTestApp, tempDir } from "../helpers/server";
import { FitLimits } from "../../companion-server/src/engine/panda/fit-plan";

type Event = { type: string; jobId: string; [k: string]: unknown };
const temp = tempDir("panda-plan-");
afterAll(() => temp.remove());

async function withApp(fitLimits: Partial<FitLimits>, use: (app: FastifyInstance) => Promise<void>): Promise<void> {
  const { app, close } = await buildTestApp({ fitLimits: { tempDir: temp.dir, ...fitLimits } });
  try {
    await use(app);
  } finally {
    await close();
  }
}

/** Posts the job and collects its events until it ends. */
async function runJob(app: FastifyInstance, payload: object): Promise<{ accepted: Record<string, any>; events: Event[] }> {
  const ws: WebSocket = await app.injectWS("/api/events", { headers: { host: "127.0.0.1" } });
  const events: Event[] = [];
  const ended = new Promise<void>((resolve) =>
    ws.on("message", (data) => {
      const e = JSON.parse(data.toString());
      events.push(e);
      if (e.type !== "progress") resolve();
    }),
  );
  const res = await app.inject({ method: "POST", url: "/api/factorisations", payload });
  expect(res.statusCode).toBe(202);
  await ended;
  ws.terminate();
  return { accepted: res.json(), events };
}

const request = { model: "tiny-test", layer: "8x8", parts: 3, appearances: 8, samples: 40, seed: 1 };
const sampleBytes = 8 * 8 * 8 * 4;

it("states the plan and reports phases with counts and a time estimate", async () => {
  await withApp({}, async (app) => {
    const { accepted, events } = await runJob(app, request);
    expect(accepted.plan).toMatchObject({ featureBytes: 40 * sampleBytes, features: "memory", diskBytes: 0 });
    expect(accepted.plan.memoryBytes).toBeGreaterThan(40 * sampleBytes);
    expect(accepted.plan.minutes.sampling).toBeGreaterThanOrEqual(0);
    expect(accepted.plan.minutes.total).toBeGreaterThanOrEqual(accepted.plan.minutes.solver);
    expect(events.at(-1)).toMatchObject({ type: "finished" });
    const progress = events.filter((e) => e.type === "progress" && e.phase !== undefined);
    const phases = progress.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(["sampling", "solver", "statistics", "contact sheet", "saving"]);
    expect(progress.find((e) => e.phase === "sampling" && e.done === 40)).toMatchObject({ total: 40, message: "sampling 40/40" });
    expect(progress.find((e) => e.phase === "solver" && e.total === 40)).toMatchObject({ round: 1 });
    expect(progress.filter((e) => e.etaSeconds !== undefined).every((e) => typeof e.etaSeconds === "number" && (e.etaSeconds as number) >= 0)).toBe(true);
    const job = (await app.inject({ method: "GET", url: `/api/jobs/${accepted.jobId}` })).json();
    expect(job.progress).toMatchObject({ fraction: 1, message: "finished" });
  });
});

it("keeps samples above the memory budget in a temporary file and removes it", async () => {
  await withApp({ featureMemoryBudget: 0 }, async (app) => {
    const { accepted, events } = await runJob(app, { ...request, name: "on-disk" });
    expect(accepted.plan).toMatchObject({ features: "disk", diskBytes: 40 * sampleBytes });
    expect(events.at(-1)).toMatchObject({ type: "finished", factorisationId: "on-disk" });
    expect(readdirSync(temp.dir)).toEqual([]);
  });
});

it("refuses a job that needs more memory than the limit, saying how many samples fit", async () => {
  let plan: { memoryBytes: number; featureBytes: number } = { memoryBytes: 0, featureBytes: 0 };
  await withApp({}, async (app) => {
    plan = (await app.inject({ method: "POST", url: "/api/factorisations", payload: { ...request, name: "probe" } })).json().plan;
  });
  // half the features' bytes short of what the job needs: half the samples would fit
  await withApp({ memoryLimit: plan.memoryBytes - plan.featureBytes / 2 }, async (app) => {
    const res = await app.inject({ method: "POST", url: "/api/factorisations", payload: request });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ statusCode: 413, code: "FACTORISATION_TOO_LARGE", error: "Payload Too Large" });
    expect(res.json().message).toMatch(/^this factorisation needs \d+ MiB of memory, more than the \d+ MiB available: lower samples to at most 20 \(limit: memory\)$/);
    expect((await app.inject({ method: "GET", url: "/api/jobs" })).json().jobs).toEqual([]);
  });
});

it("refuses a job whose samples do not fit the free disk", async () => {
  await withApp({ featureMemoryBudget: 0, diskFree: 10 * sampleBytes }, async (app) => {
    const res = await app.inject({ method: "POST", url: "/api/factorisations", payload: request });
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toBe(`this factorisation needs 1 MiB of disk for its features, more than the 1 MiB available: lower samples to at most 10, or free space in ${temp.dir} (limit: disk)`);
  });
});
