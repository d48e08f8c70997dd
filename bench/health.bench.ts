/**
 * /api/health latency of a real `panda serve` process, idle and under each kind of heavy work,
 * side by side in one run: 24 concurrent refined masks on synthfaces 16x16 (fresh images each
 * round), a factorisation job (synthfaces 16x16), and concurrent generate requests of a
 * 1024-px generator (bench/large-generator.ts). One probe at a time, every 10 ms, from this
 * process; the server runs in its own. Prints JSON.
 *   npm run bench:health [-- --rounds N --bin PATH/TO/panda.js (another checkout's server)]
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { availableParallelism, loadavg } from "node:os";
import { tempDir } from "../test/helpers/server";
import { DEFAULT_MODELS_DIR } from "../companion-server/src/cli/paths";
import { LARGE_MODEL_ID, writeLargeBundle } from "./large-generator";
import { nowMs, numberArg, percentile } from "./bench-util";

const MASKS_AT_ONCE = 24;
const LARGE_AT_ONCE = 4;

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

async function post(url: string, body: unknown): Promise<Response> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "image/png" }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return res;
}

/** Probes /api/health one at a time while `load` runs; the latencies and what the load reports. */
async function measure<T>(url: string, load: () => Promise<T>): Promise<{ health: ReturnType<typeof summary>; load: T; seconds: number }> {
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
  return { probes: values.length, p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), max: round(Math.max(...values)) };
}

async function main(): Promise<void> {
  const loadAtStart = Math.round(loadavg()[0] * 10) / 10;
  const rounds = numberArg("--rounds", 3);
  const bin = argument("--bin", join(__dirname, "..", "companion-server", "bin", "panda.js"));
  const large = tempDir("panda-bench-large-");
  const data = tempDir("panda-bench-data-");
  writeLargeBundle(join(large.dir, LARGE_MODEL_ID));
  const server = await startServer(bin, [DEFAULT_MODELS_DIR, large.dir], data.dir);
  const { url } = server;
  try {
    const listing = await (await fetch(`${url}/api/factorisations?model=synthfaces&layer=16x16`)).json();
    const factorisation: string = listing.factorisations[0].id;
    let seed = 1;
    const generate = async (model: string) => (await post(`${url}/api/generate`, { model, seed: seed++ })).headers.get("x-image-id") as string;
    // warm-up: every session opened once, so that no phase pays for it
    await post(`${url}/api/images/${await generate("synthfaces")}/masks`, { factorisation, parts: [0], refine: true });
    await generate(LARGE_MODEL_ID);

    const idle = await measure(url, () => new Promise<null>((r) => setTimeout(() => r(null), 3000)));
    const masks = await measure(url, async () => {
      for (let r = 0; r < rounds; r++) {
        const images = await Promise.all(Array.from({ length: MASKS_AT_ONCE }, () => generate("synthfaces")));
        await Promise.all(images.map((id) => post(`${url}/api/images/${id}/masks`, { factorisation, parts: [0, 1], refine: true })));
      }
      return { requests: rounds * MASKS_AT_ONCE * 2 };
    });
    const job = await measure(url, async () => {
      const res = await fetch(`${url}/api/factorisations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "synthfaces", layer: "16x16", parts: 8, appearances: 128, samples: 1024, seed: 3, name: "bench-health" }),
      });
      const { jobId } = await res.json();
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const state = await (await fetch(`${url}/api/jobs/${jobId}`)).json();
        if (state.state !== "queued" && state.state !== "running") return { samples: 1024, state: state.state };
      }
    });
    const generate1024 = await measure(url, async () => {
      for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: LARGE_AT_ONCE }, () => generate(LARGE_MODEL_ID)));
      return { images: rounds * LARGE_AT_ONCE, size: 1024, atOnce: LARGE_AT_ONCE };
    });
    const result = {
      server: bin,
      // 1-minute load averages at the start and the end: on a shared machine, probes wait for a core too
      loadAverage: { start: loadAtStart, end: Math.round(loadavg()[0] * 10) / 10, cores: availableParallelism() },
      health: { idle: idle.health, refinedMasks: masks.health, factorisationJob: job.health, generate1024: generate1024.health },
      loads: {
        refinedMasks: { ...masks.load, atOnce: MASKS_AT_ONCE, model: "synthfaces", layer: "16x16", seconds: masks.seconds },
        factorisationJob: { ...job.load, model: "synthfaces", layer: "16x16", seconds: job.seconds },
        generate1024: { ...generate1024.load, seconds: generate1024.seconds },
      },
      p95OverIdle: {
        refinedMasks: Math.round((masks.health.p95 / idle.health.p95) * 10) / 10,
        factorisationJob: Math.round((job.health.p95 / idle.health.p95) * 10) / 10,
        generate1024: Math.round((generate1024.health.p95 / idle.health.p95) * 10) / 10,
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
