/**
 * /api/health latency of a real `panda serve` process, idle and under each kind of heavy work,
 * side by side in one run, against the 50 ms budget (p95 and max): 24 concurrent refined masks of
 * fresh synthfaces images; the image routes (part thumbnails, saliency, an edit and both removals
 * with their regions, on fresh images, 8 at once); a factorisation job (synthfaces 16x16); and
 * concurrent generate requests of a 1024-px generator (bench/large-generator.ts). Each load runs
 * for a fixed time (then the requests in flight finish), so the whole bench takes about
 * 1 + 4 × (seconds + a few) seconds unattended. One probe at a time, every 10 ms, from this
 * process; the server runs in its own. Prints JSON.
 *   npm run bench:health [-- --seconds S (per load, default 25) --bin PATH/TO/panda.js (another checkout's server)]
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { availableParallelism, getPriority, loadavg } from "node:os";
import { tempDir } from "../test/helpers/server";
import { DEFAULT_MODELS_DIR } from "../companion-server/src/cli/paths";
import { LARGE_MODEL_ID, writeLargeBundle } from "./large-generator";
import { nowMs, numberArg, percentile } from "./bench-util";

const MASKS_AT_ONCE = 24;
const IMAGE_ROUTES_AT_ONCE = 8;
const LARGE_AT_ONCE = 4;
/** The target: /api/health within 50 ms, p95 and max, while heavy work runs. */
const BUDGET_MS = 50;

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function startServer(bin: string, models: string[], dataDir: string): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(process.execPath, [bin, "serve", "--port", "0", "--quiet", "--data-dir", dataDir, "--models", ...models], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready at (http:\/\/[^/\s"]+)\//.exec(out);
      if (m) resolve({ url: m[1], stop: () => proc.kill("SIGTERM") });
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

async function post(url: string, body: unknown, accept = "image/png"): Promise<Response> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return res;
}

async function get(url: string): Promise<void> {
  const res = await fetch(url);
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** `workers` loops of `task` until `seconds` have passed (the tasks in flight then finish); how many tasks ran. */
async function forSeconds(seconds: number, workers: number, task: () => Promise<void>): Promise<number> {
  const end = nowMs() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (nowMs() < end) {
        await task();
        done++;
      }
    }),
  );
  return done;
}

const benchStart = nowMs();
/** One line on stderr as each phase starts (stdout is the JSON). */
function progress(line: string): void {
  process.stderr.write(`bench:health ${((nowMs() - benchStart) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);
}

/** Probes /api/health one at a time while `load` runs; the latencies and what the load reports. */
async function measure<T>(name: string, url: string, load: () => Promise<T>): Promise<{ health: ReturnType<typeof summary>; load: T; seconds: number }> {
  progress(name);
  const latencies: number[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const t0 = nowMs();
      await (await fetch(`${url}/api/health`)).arrayBuffer();
      latencies.push(nowMs() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const t0 = nowMs();
  const result = await load();
  const seconds = (nowMs() - t0) / 1000;
  running = false;
  await probe;
  return { health: summary(latencies), load: result, seconds: Math.round(seconds * 10) / 10 };
}

function summary(values: number[]) {
  const round = (v: number) => Math.round(v * 10) / 10;
  const p95 = round(percentile(values, 95));
  const max = round(Math.max(...values));
  return { probes: values.length, p50: round(percentile(values, 50)), p95, max, withinBudget: { p95: p95 <= BUDGET_MS, max: max <= BUDGET_MS } };
}

async function main(): Promise<void> {
  const loadAtStart = Math.round(loadavg()[0] * 10) / 10;
  const seconds = numberArg("--seconds", 25);
  const bin = argument("--bin", join(__dirname, "..", "companion-server", "bin", "panda.js"));
  const large = tempDir("panda-bench-large-");
  const data = tempDir("panda-bench-data-");
  writeLargeBundle(join(large.dir, LARGE_MODEL_ID));
  progress("starting the server");
  const server = await startServer(bin, [DEFAULT_MODELS_DIR, large.dir], data.dir);
  progress("warming up");
  const { url } = server;
  try {
    const listing = await (await fetch(`${url}/api/factorisations?model=synthfaces&layer=16x16`)).json();
    const factorisation: string = listing.factorisations[0].id;
    let seed = 1;
    const generate = async (model: string) => (await post(`${url}/api/generate`, { model, seed: seed++ })).headers.get("x-image-id") as string;
    const imageRoutes = async (id: string) => {
      const at = `${url}/api/images/${id}`;
      await get(`${at}/parts?factorisation=${factorisation}&refine=true`);
      await post(`${at}/saliency`, { factorisation, appearance: 3 });
      await post(`${at}/edits`, { factorisation, edits: [{ parts: [0], appearance: 1, strength: 2 }] }, "application/json");
      await post(`${at}/removal`, { factorisation, parts: [1], method: "pixel", fill: "background" }, "application/json");
      await post(`${at}/removal`, { factorisation, parts: [1], method: "feature" }, "application/json");
    };
    // warm-up: every session opened once, so that no phase pays for it
    const warm = await generate("synthfaces");
    await post(`${url}/api/images/${warm}/masks`, { factorisation, parts: [0], refine: true });
    await imageRoutes(warm);
    await generate(LARGE_MODEL_ID);

    const idle = await measure("idle (5 s)", url, () => new Promise<null>((r) => setTimeout(() => r(null), 5000)));
    const masks = await measure(`${MASKS_AT_ONCE} refined masks at once (${seconds} s)`, url, async () => ({
      requests: 2 * (await forSeconds(seconds, MASKS_AT_ONCE, async () => void (await post(`${url}/api/images/${await generate("synthfaces")}/masks`, { factorisation, parts: [0, 1], refine: true })))),
    }));
    const routes = await measure(`the image routes, ${IMAGE_ROUTES_AT_ONCE} images at once (${seconds} s)`, url, async () => ({ images: await forSeconds(seconds, IMAGE_ROUTES_AT_ONCE, async () => imageRoutes(await generate("synthfaces"))) }));
    const job = await measure("a factorisation job of 1024 samples", url, async () => {
      const res = await fetch(`${url}/api/factorisations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "synthfaces", layer: "16x16", parts: 8, appearances: 128, samples: 1024, seed: 3, name: "bench-health" }),
      });
      const { jobId } = await res.json();
      const end = nowMs() + 2 * seconds * 1000; // a job still running then is cancelled
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const state = await (await fetch(`${url}/api/jobs/${jobId}`)).json();
        if (state.state !== "queued" && state.state !== "running") return { samples: 1024, state: state.state };
        if (nowMs() > end) await fetch(`${url}/api/jobs/${jobId}`, { method: "DELETE" });
      }
    });
    const generate1024 = await measure(`${LARGE_AT_ONCE} generates of 1024 px at once (${seconds} s)`, url, async () => ({ images: await forSeconds(seconds, LARGE_AT_ONCE, async () => void (await generate(LARGE_MODEL_ID))), size: 1024, atOnce: LARGE_AT_ONCE }));
    const p95OverIdle = (p95: number) => Math.round((p95 / idle.health.p95) * 10) / 10;
    const result = {
      server: bin,
      // 1-minute load averages at the start and the end: on a shared machine, probes wait for a core too
      loadAverage: { start: loadAtStart, end: Math.round(loadavg()[0] * 10) / 10, cores: availableParallelism() },
      // the server inherits this process's nice value
      nice: getPriority(),
      budgetMs: BUDGET_MS,
      health: { idle: idle.health, refinedMasks: masks.health, imageRoutes: routes.health, factorisationJob: job.health, generate1024: generate1024.health },
      loads: {
        refinedMasks: { ...masks.load, atOnce: MASKS_AT_ONCE, model: "synthfaces", layer: "16x16", seconds: masks.seconds },
        imageRoutes: { ...routes.load, routes: ["parts (refined)", "saliency", "edits (JSON: region)", "removal pixel (JSON)", "removal feature (JSON)"], atOnce: IMAGE_ROUTES_AT_ONCE, seconds: routes.seconds },
        factorisationJob: { ...job.load, model: "synthfaces", layer: "16x16", seconds: job.seconds },
        generate1024: { ...generate1024.load, seconds: generate1024.seconds },
      },
      p95OverIdle: {
        refinedMasks: p95OverIdle(masks.health.p95),
        imageRoutes: p95OverIdle(routes.health.p95),
        factorisationJob: p95OverIdle(job.health.p95),
        generate1024: p95OverIdle(generate1024.health.p95),
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } finally {
    server.stop();
    large.remove();
    data.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:health failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
