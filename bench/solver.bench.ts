/**
 * `npm run bench:solver`: the reference solver (the published algorithm) against the fast solver on
 * the same features, plus the accumulation's GFLOP/s beside a plain ORT MatMul measured in the same
 * run, and peak memory. Prints one JSON document.
 *
 * Sizes via env: BENCH_N (512), BENCH_C (512), BENCH_HW (16), BENCH_RS (8), BENCH_RC (= C),
 * BENCH_REF_ITERATIONS (10000, the published schedule), BENCH_BUNDLE_N (256 samples per bundle layer).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { decompose } from "../companion-server/src/engine/panda/decompose";
import { spatialGramPass, channelScatterPass } from "../companion-server/src/engine/panda/passes";
import { FeatureSource, SolverOptions } from "../companion-server/src/engine/panda/types";
import { inMemoryFeatures, sampleFeatures } from "../companion-server/src/engine/sampling";
import { plantedFeatures, randomBlobs } from "../companion-server/src/engine/synthetic";
import { ortBackendFor } from "../companion-server/src/engine/tensor/ort-backend";
import * as ort from "onnxruntime-node";
import { GraphBuilder } from "../companion-server/src/onnx/graph-builder";
import { loadBundle } from "../companion-server/src/runtime/bundle-loader";
import { SessionFactory } from "../companion-server/src/runtime/execution-providers";
import { Generator } from "../companion-server/src/runtime/generator";

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const seconds = (since: number) => (performance.now() - since) / 1000;
/** user + system CPU of the whole process (ORT's threads included): comparable under load, unlike wall time */
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

async function time(run: () => Promise<unknown>, repeats: number): Promise<number> {
  await run(); // warm-up: session creation and first-run planning are not the rate
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await run();
  return seconds(start) / repeats;
}

/**
 * GFLOP/s of a plain 1024³ MatMul and of the two accumulation passes over all the features. The
 * machine is shared: the three are measured interleaved, three times, and each keeps its best.
 */
async function rates(sessions: SessionFactory, source: FeatureSource) {
  const backend = ortBackendFor(sessions);
  const n = 1024;
  // A plain one-node MatMul graph, as DESIGN §5 measured it (the backend's matmul is a Gemm node).
  const g = new GraphBuilder("matmul");
  g.output(g.node("MatMul", [g.input("a", [n, n]), g.input("b", [n, n])]), "out", [n, n]);
  const session = await sessions.create(g.toModelBytes());
  const m = new ort.Tensor("float32", Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [n, n]);
  const { channels, height, width } = source.shape;
  const s = height * width;
  const best = { matmul: 0, gram: 0, scatter: 0 };
  for (let trial = 0; trial < 3; trial++) {
    best.matmul = Math.max(best.matmul, (2 * n ** 3) / (await time(() => session.run({ a: m, b: m }), 5)) / 1e9);
    best.gram = Math.max(best.gram, (2 * source.count * channels * s * s) / (await time(() => spatialGramPass(source, backend), 1)) / 1e9);
    best.scatter = Math.max(best.scatter, (2 * source.count * channels * channels * s) / (await time(() => channelScatterPass(source, backend), 1)) / 1e9);
  }
  await session.release();
  return {
    matmulGflops: round(best.matmul),
    spatialGramGflops: round(best.gram),
    channelScatterGflops: round(best.scatter),
    spatialGramFractionOfMatmul: round(best.gram / best.matmul),
    channelScatterFractionOfMatmul: round(best.scatter / best.matmul),
  };
}

function round(x: number, digits = 4): number {
  return Number(x.toPrecision(digits));
}

async function compare(source: FeatureSource, sessions: SessionFactory, ranks: { parts: number; appearances: number }, referenceIterations: number) {
  const base: SolverOptions = { ...ranks, solver: "reference", seed: 7 };
  let cpu = process.cpuUsage();
  const reference = await decompose(source, { ...base, iterations: referenceIterations }, sessions);
  const referenceCpu = cpuSeconds(cpu);
  const rssAfterReference = peakRss();

  let reached: number | null = null;
  const log: Array<[number, number, string]> = [];
  cpu = process.cpuUsage();
  const start = performance.now();
  const fast = await decompose(
    source,
    {
      ...base,
      solver: "fast",
      onProgress: (p) => {
        if (p.objective === undefined) return;
        if (reached === null && p.objective <= reference.report.objective) reached = seconds(start);
        if (log.length === 0 || log[log.length - 1][2] !== p.message) log.push([round(seconds(start)), p.objective, p.message ?? ""]);
      },
    },
    sessions,
  );
  const fastCpu = cpuSeconds(cpu);
  const fastReached = reached ?? (fast.report.objective <= reference.report.objective ? fast.report.seconds : null);
  return {
    reference: { iterations: reference.report.iterations, seconds: round(reference.report.seconds), cpuSeconds: round(referenceCpu), objective: reference.report.objective, relativeObjective: round(reference.report.relativeObjective, 6) },
    fast: {
      iterations: fast.report.iterations,
      seconds: round(fast.report.seconds),
      cpuSeconds: round(fastCpu),
      secondsToReferenceObjective: fastReached === null ? null : round(fastReached),
      objective: fast.report.objective,
      relativeObjective: round(fast.report.relativeObjective, 6),
      /** [seconds, objective, stage] at each change of stage */
      trace: log,
    },
    speedupToReferenceObjective: fastReached === null ? null : round(reference.report.seconds / fastReached),
    speedupTotal: round(reference.report.seconds / fast.report.seconds),
    fastObjectiveAtMostReference: fast.report.objective <= reference.report.objective,
    peakRssMiB: { afterReference: mib(rssAfterReference), afterFast: mib(peakRss()) },
  };
}

async function bundleLayers(sessions: SessionFactory, count: number, referenceIterations: number) {
  const results: Record<string, unknown> = {};
  for (const dir of ["models/synthfaces", "models/tiny-test"]) {
    if (!existsSync(join(dir, "model.json"))) {
      results[dir] = "absent";
      continue;
    }
    const generator = new Generator(loadBundle(dir), sessions);
    for (const layer of generator.manifest.layers) {
      const [c, h, w] = layer.shape;
      // Materialised once so that both solvers see the same features and neither times the head.
      const streamed = sampleFeatures(generator, layer.id, count, 1);
      const data = new Float32Array(count * c * h * w);
      await streamed.forEachBatch(32, (batch, _n, offset) => data.set(batch, offset * c * h * w));
      const source = inMemoryFeatures(data, streamed.shape, count);
      results[`${generator.id}/${layer.id}`] = {
        shape: [count, c, h, w],
        parts: Math.min(8, h * w),
        appearances: c,
        ...(await compare(source, sessions, { parts: Math.min(8, h * w), appearances: c }, referenceIterations)),
      };
    }
    await generator.release();
  }
  return results;
}

const size = () => {
  const c = env("BENCH_C", 512);
  return { n: env("BENCH_N", 512), c, hw: env("BENCH_HW", 16), parts: env("BENCH_RS", 8), appearances: env("BENCH_RC", c), referenceIterations: env("BENCH_REF_ITERATIONS", 10000) };
};

function syntheticFeatures() {
  const { n, c, hw, parts } = size();
  return plantedFeatures({ channels: c, height: hw, width: hw, count: n, blobs: randomBlobs(parts, hw, hw, 3), noise: 0.3, seed: 5 });
}

/**
 * One solver alone in a fresh process (BENCH_MEMORY_ONLY=fast|reference): its peak RSS without the
 * other solver's sessions and arenas, beside the process's RSS before the features existed.
 */
async function memoryOnly(solver: "fast" | "reference") {
  const before = process.memoryUsage().rss;
  const planted = syntheticFeatures();
  const { parts, appearances, referenceIterations } = size();
  const source = inMemoryFeatures(planted.data, planted.shape, planted.count);
  // The reference keeps nothing per iteration: 1000 iterations show its peak as well as 10000.
  await decompose(source, { parts, appearances, solver, seed: 7, iterations: solver === "reference" ? Math.min(referenceIterations, 1000) : undefined }, new SessionFactory());
  const peak = peakRss();
  console.log(JSON.stringify({ solver, rssBeforeFeaturesMiB: mib(before), peakRssMiB: mib(peak), featureTensorMiB: mib(planted.data.byteLength), peakAboveBaselineOverFeatures: round((peak - before) / planted.data.byteLength), peakOverFeatures: round(peak / planted.data.byteLength) }));
}

function memoryInFreshProcess(solver: "fast" | "reference"): unknown {
  const out = execFileSync(process.execPath, [...process.execArgv, __filename], { env: { ...process.env, BENCH_MEMORY_ONLY: solver }, encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").pop()!);
}

async function main() {
  const { n, c, hw, parts, appearances, referenceIterations } = size();
  const sessions = new SessionFactory();
  const rssBefore = process.memoryUsage().rss;

  const started = performance.now();
  const planted = syntheticFeatures();
  const generationSeconds = seconds(started);
  const source = inMemoryFeatures(planted.data, planted.shape, n);
  const featureBytes = planted.data.byteLength;

  const accumulation = await rates(sessions, source);
  const synthetic = await compare(source, sessions, { parts, appearances }, referenceIterations);
  const peak = peakRss();
  const alone = { fast: memoryInFreshProcess("fast"), reference: memoryInFreshProcess("reference") };
  const bundles = await bundleLayers(sessions, env("BENCH_BUNDLE_N", 256), referenceIterations);

  console.log(
    JSON.stringify(
      {
        machine: { cpus: require("node:os").cpus().length, device: sessions.status().active },
        synthetic: {
          features: { count: n, channels: c, height: hw, width: hw, plantedParts: parts, noise: 0.3, megabytes: mib(featureBytes), generationSeconds: round(generationSeconds) },
          ranks: { parts, appearances },
          referenceSchedule: referenceIterations === 10000 ? "published: 10000 iterations, batch 1" : `shortened: ${referenceIterations} iterations, batch 1`,
          ...synthetic,
          accumulation,
          memory: {
            featureTensorMiB: mib(featureBytes),
            rssBeforeFeaturesMiB: mib(rssBefore),
            peakRssMiB: mib(peak),
            peakAboveBaselineOverFeatures: round((peak - rssBefore) / featureBytes),
            heapUsedMiB: mib(process.memoryUsage().heapUsed),
            arrayBuffersMiB: mib(process.memoryUsage().arrayBuffers),
            eachSolverAloneInAFreshProcess: alone,
          },
        },
        bundles,
      },
      null,
      2,
    ),
  );
  process.exit(0);
}

const only = process.env.BENCH_MEMORY_ONLY;
(only === "fast" || only === "reference" ? memoryOnly(only) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
