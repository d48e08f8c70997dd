/**
 * `npm run bench:scale`: a StyleGAN2 generator at real size, end to end, in one run. It builds
 * StyleGAN2-256 from NVlabs' code in ../shared/gan-code with random weights, pickled as NVlabs
 * pickles them, exports it with the documented command, and prints one JSON document: export
 * seconds and peak memory, bundle size over parameter bytes, ms per generated image; for the 32×32
 * layer (512 samples) and the 64×64 layer (256 samples) the sampling seconds, the fast and the
 * reference solver's seconds, objectives and objective traces, the second at which the fast solver
 * first reached the reference's final objective, the seconds after the solver (statistics, contact
 * sheet), everything-after-sampling over sampling, and peak memory per phase; ms per HTTP edit at 256.
 * `--edit-1024` adds StyleGAN2-1024 (built and exported the same way, which alone takes longer than
 * the rest of the run on two cores) and ms per HTTP edit at 1024.
 * Each measurement with a peak memory runs in its own process; peaks are the kernel's high-water
 * mark of resident memory (VmHWM), reset at the start of each phase, so each phase's peak is its own.
 *
 * Env: BENCH_OUT (scratch folder, default a temporary one; a bundle an earlier run exported there is
 * used again with its export figures, marked reused, unless BENCH_REEXPORT=1), BENCH_BUNDLE /
 * BENCH_BUNDLE_1024 (use exported bundles instead of building them; no export figures), BENCH_SAMPLES_32 (512), BENCH_SAMPLES_64 (256),
 * BENCH_PARTS (16), BENCH_REF_ITERATIONS (10000, the published schedule; BENCH_REF_ITERATIONS_32 and
 * _64 for one layer), BENCH_REF_TRACE_EVERY (a tenth of them: the reference's exact objective every
 * so many iterations), BENCH_LAYERS (32x32,64x64),
 * BENCH_EDITS (10). `--device cuda` runs ONNX Runtime on a GPU (and says so plainly where its CUDA
 * provider is not installed).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildApp } from "../companion-server/src/app";
import { DEFAULT_FEATURE_MEMORY_BUDGET, storeFeatures } from "../companion-server/src/engine/feature-store";
import { decompose } from "../companion-server/src/engine/panda/decompose";
import { CONTACT_SHEET_ROWS, fitFactorisation, sampleImages, solverBudgetSeconds } from "../companion-server/src/engine/panda/fit-factorisation";
import { ortBackendFor } from "../companion-server/src/engine/tensor/ort-backend";
import { sampleFeatures } from "../companion-server/src/engine/sampling";
import { parseDevice, SessionFactory } from "../companion-server/src/runtime/execution-providers";
import { GeneratorRegistry } from "../companion-server/src/runtime/generator-registry";
import { sampleLatents } from "../companion-server/src/runtime/random";
import { writeFactorisationFolder } from "../companion-server/src/store/factorisation-folder";
import { gemmGraph } from "../companion-server/src/engine/tensor/graphs";
import { ObjectivePoint } from "../companion-server/src/engine/panda/types";
import { nowMs, percentile, runMeasured } from "./bench-util";

const ROOT = resolve(__dirname, "..");
const GAN_CODE = resolve(ROOT, "..", "shared", "gan-code");
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const round = (x: number, digits = 4) => Number(x.toPrecision(digits));
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
/** The kernel's high-water mark of this process's resident memory (bytes), since the last reset. */
function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}
/** CPU seconds of this process, every thread (ONNX Runtime's included): less at the mercy of other load than wall time. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
/** Starts a new high-water mark at the current resident memory (Linux: clear_refs 5). */
function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // elsewhere the peak stays the process's own since its start
  }
}
const argValue = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const device = argValue("--device") ?? "cpu";
const with1024 = process.argv.includes("--edit-1024");

function log(message: string): void {
  process.stderr.write(`bench:scale: ${message}\n`);
}

/** Runs a command (measured: bench-util's runMeasured); a failure ends the bench with the command's stderr. */
async function run(command: string, args: string[]): Promise<{ stdout: string; seconds: number; cpuSeconds: number; peakBytes: number }> {
  const res = await runMeasured(command, args, { cwd: ROOT, quiet: true });
  if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${res.status}: ${res.stderrTail}`);
  return { stdout: res.stdout, seconds: res.seconds, cpuSeconds: res.cpuSeconds, peakBytes: res.peakRssBytes };
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name);
    const s = statSync(p);
    return sum + (s.isDirectory() ? folderBytes(p) : s.size);
  }, 0);
}

/**
 * Builds NVlabs StyleGAN2 at `resolution` with random weights and exports it; or takes a given
 * bundle; or, in a BENCH_OUT folder where an earlier run exported it, that bundle with the figures
 * its export measured (marked reused, with when), so a later run need not export again.
 */
async function bundleFor(resolution: number, out: string, given: string | undefined) {
  if (given) return { dir: resolve(given), export: null };
  const dir = join(out, "models", `stylegan2-${resolution}`);
  const record = join(out, "models", `stylegan2-${resolution}.export.json`);
  if (process.env.BENCH_OUT && !process.env.BENCH_REEXPORT && existsSync(record) && existsSync(join(dir, "model.json"))) {
    const earlier = JSON.parse(readFileSync(record, "utf8"));
    log(`StyleGAN2-${resolution}: the bundle exported at ${earlier.exportedAt} in ${out} (BENCH_REEXPORT=1 exports again)`);
    return { dir, export: { ...earlier, reused: true } };
  }
  const pkl = join(out, `stylegan2-${resolution}.pkl`);
  log(`building StyleGAN2-${resolution} with random weights`);
  const built = JSON.parse((await run(PYTHON, ["models/export/examples/random_nvlabs.py", "--resolution", String(resolution), "--out", pkl])).stdout.trim().split("\n").pop()!);
  mkdirSync(join(out, "models"), { recursive: true });
  log(`exporting StyleGAN2-${resolution}`);
  const exported = await run(PYTHON, [
    "models/export/export.py",
    "--family", "stylegan2",
    "--module", join(GAN_CODE, "stylegan2-ada-pytorch", "training", "networks.py") + ":Generator",
    "--weights", pkl,
    "--weights-key", "G_ema",
    "--split", "b32.conv1=32x32",
    "--split", "b64.conv1=64x64",
    "--out", dir,
    "--id", `stylegan2-${resolution}`,
  ]);
  const bundleBytes = folderBytes(dir);
  const parameterBytes = built.parameters * 4;
  // CPU seconds beside wall seconds: an export run before a quiet bench (BENCH_OUT) may have shared the machine
  const figures = { seconds: round(exported.seconds), cpuSeconds: round(exported.cpuSeconds), loadAverage: round(loadavg()[0], 3), peakMemoryMiB: mib(exported.peakBytes), bundleMiB: mib(bundleBytes), parameterMiB: mib(parameterBytes), bundleOverParameters: round(bundleBytes / parameterBytes, 3) };
  writeFileSync(record, JSON.stringify({ ...figures, exportedAt: new Date().toISOString() }) + "\n");
  return { dir, export: figures };
}

function child(args: string[]): Record<string, unknown> {
  const res = spawnSync(process.execPath, [...process.execArgv, __filename, "--child", ...args, "--device", device], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "inherit"] });
  if (res.status !== 0) throw new Error(`child ${args.join(" ")} exited ${res.status}`);
  const result = JSON.parse(res.stdout.trim().split("\n").pop()!);
  log(`${args[0]} ${args[2] ?? ""} done: ${JSON.stringify(result)}`); // each part as it ends: the whole run takes long
  return result;
}

async function main() {
  const out = process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : mkdtempSync(join(tmpdir(), "panda-bench-scale-"));
  mkdirSync(out, { recursive: true });
  if (!existsSync(GAN_CODE) && !process.env.BENCH_BUNDLE) throw new Error(`${GAN_CODE} is missing: bench:scale builds its generators from that code (or give BENCH_BUNDLE)`);
  await checkDevice();
  try {
    const b256 = await bundleFor(256, out, process.env.BENCH_BUNDLE);
    const layers: Record<string, unknown> = {};
    const samplesFor: Record<string, number> = { "32x32": env("BENCH_SAMPLES_32", 512), "64x64": env("BENCH_SAMPLES_64", 256) };
    const data = join(out, "data");
    for (const layer of (process.env.BENCH_LAYERS ?? "32x32,64x64").split(",")) {
      log(`layer ${layer}: sampling, reference solver, then the fit (fast solver, statistics, contact sheet)`);
      layers[layer] = child(["layer", b256.dir, layer, String(samplesFor[layer] ?? 256), data, out]);
    }
    const edits: Record<string, unknown> = {};
    log("ms per image and per HTTP edit at 256");
    edits["256"] = child(["edit", b256.dir, data, out]);
    let export1024 = null;
    if (with1024) {
      const b1024 = await bundleFor(1024, out, process.env.BENCH_BUNDLE_1024);
      export1024 = b1024.export;
      log("ms per image and per HTTP edit at 1024");
      edits["1024"] = child(["edit", b1024.dir, data, out]);
    }
    const document = { device, export: { "256": b256.export, "1024": with1024 ? export1024 : "not run: pass --edit-1024" }, layers, http: edits };
    process.stdout.write(JSON.stringify(document, null, 2) + "\n");
  } finally {
    if (!process.env.BENCH_OUT) rmSync(out, { recursive: true, force: true });
  }
}

/** `--device cuda` (or dml, coreml) where ONNX Runtime cannot start that provider: one clear line, exit 1. */
async function checkDevice(): Promise<void> {
  if (parseDevice(device).kind === "cpu") return;
  const sessions = new SessionFactory(parseDevice(device));
  try {
    const session = await sessions.create(gemmGraph(2, 2, 2, false, false));
    await session.release();
    const status = sessions.status();
    if (status.fallbackReason) {
      process.stderr.write(
        `bench:scale: --device ${device}: ONNX Runtime's ${status.requested} execution provider cannot start here (${status.fallbackReason}). ` +
          "On a machine with an NVIDIA GPU and CUDA 12, install it once with `node node_modules/onnxruntime-node/script/install` (see README, NVIDIA GPUs) and run again; without --device the bench runs on the CPU.\n",
      );
      process.exit(1);
    }
    log(`ONNX Runtime runs on ${status.active}`);
  } finally {
    await sessions.close();
  }
}

function registryOf(bundleDir: string) {
  const sessions = new SessionFactory(parseDevice(device), log);
  const registry = new GeneratorRegistry([resolve(bundleDir, "..")], sessions);
  const id = registry.ids().find((i) => bundleDir.endsWith(i));
  if (!id) throw new Error(`no bundle loaded from ${bundleDir}: ${registry.failures.map((f) => f.message).join("; ")}`);
  return { sessions, registry, generator: registry.get(id)! };
}

/** The trace rounded for the JSON: [seconds, objective] pairs. */
function traceOf(points: ObjectivePoint[] | undefined): Array<[number, number]> {
  return (points ?? []).map((p) => [round(p.seconds), round(p.objective, 6)]);
}

/** One layer: sample once, the reference solver, then the product's fit (fast solver, statistics, contact sheet). */
async function layerChild(bundleDir: string, layer: string, samples: number, dataDir: string, tempDir: string) {
  const { sessions, registry, generator } = registryOf(bundleDir);
  const [channels, height, width] = generator.layer(layer).shape;
  const parts = env("BENCH_PARTS", 16);
  resetPeakRss();
  const t0 = nowMs();
  const c0 = cpuSeconds();
  const stored = await storeFeatures(sampleFeatures(generator, layer, samples, 0), { tempDir });
  const samplingSeconds = (nowMs() - t0) / 1000;
  const samplingCpu = cpuSeconds() - c0;
  const peakSampling = peakRss();
  // The reference first, on the same stored samples; the product's fit then takes them over and
  // disposes them when it no longer reads them (before its contact sheet), as a fit that sampled
  // them itself does. BENCH_REF_ITERATIONS_64 (or _32) overrides the iterations for one layer.
  const referenceIterations = env(`BENCH_REF_ITERATIONS_${height}`, env("BENCH_REF_ITERATIONS", 10_000));
  resetPeakRss();
  const c2 = cpuSeconds();
  const reference = await decompose(stored, { parts, appearances: channels, solver: "reference", seed: 0, iterations: referenceIterations, traceEvery: env("BENCH_REF_TRACE_EVERY", Math.max(1, Math.round(referenceIterations / 10))) }, sessions);
  const peakReference = peakRss();
  const referenceCpu = cpuSeconds() - c2;
  // the fit opens its own graphs, as a job does: none of the reference's stay open (nor their memory)
  await ortBackendFor(sessions).dispose();
  resetPeakRss();
  const phaseStarts: Record<string, number> = {};
  const phaseCpuStarts: Record<string, number> = {};
  const fitStart = nowMs();
  const c1 = cpuSeconds();
  const fit = await fitFactorisation({
    id: `bench-${layer}`,
    name: `bench-${layer}`,
    model: generator.id,
    layer,
    source: stored,
    disposeSource: true,
    // as a job that sampled these features itself would budget its refinement rounds
    solver: { parts, appearances: channels, solver: "fast", seed: 0, timeBudgetSeconds: solverBudgetSeconds(samplingSeconds) },
    sessions,
    sampleImages: () => sampleImages(generator, 0, Math.min(CONTACT_SHEET_ROWS, samples), { layer }),
    imageSize: { width: generator.manifest.image.width, height: generator.manifest.image.height },
    onProgress: (p) => {
      if (phaseStarts[p.phase] !== undefined) return;
      phaseStarts[p.phase] = nowMs();
      phaseCpuStarts[p.phase] = cpuSeconds();
    },
  });
  const fitSeconds = (nowMs() - fitStart) / 1000;
  const fitCpu = cpuSeconds() - c1;
  // CPU seconds of each phase after sampling, from its first progress event to the next phase's
  const phases = Object.entries(phaseCpuStarts).sort((x, y) => x[1] - y[1]);
  const phaseCpu = Object.fromEntries(phases.map(([phase, at], i) => [phase, round((phases[i + 1]?.[1] ?? c1 + fitCpu) - at)]));
  const afterSolver = (nowMs() - (phaseStarts.statistics ?? nowMs())) / 1000;
  const peakFit = peakRss();
  await writeFactorisationFolder(join(dataDir, "factorisations", generator.id, `bench-${layer}`), fit.contents);
  await stored.dispose();
  await registry.close();
  const featureBytes = samples * channels * height * width * 4;
  const held = stored.location === "memory" ? featureBytes : DEFAULT_FEATURE_MEMORY_BUDGET;
  // The fast solver's running objective after each block solve against the reference's final one.
  const reached = (fit.report.trace ?? []).find((point) => point.objective <= reference.report.objective);
  const peak = Math.max(peakSampling, peakFit);
  return {
    samples,
    parts,
    appearances: channels,
    features: { MiB: mib(featureBytes), kept: stored.location },
    samplingSeconds: round(samplingSeconds),
    fast: { seconds: round(fit.report.seconds), objective: round(fit.report.objective, 6), relativeObjective: round(fit.report.relativeObjective, 6), iterations: fit.report.iterations, trace: traceOf(fit.report.trace) },
    reference: { seconds: round(reference.report.seconds), objective: round(reference.report.objective, 6), relativeObjective: round(reference.report.relativeObjective, 6), iterations: referenceIterations, trace: traceOf(reference.report.trace) },
    fastSecondsToReferenceObjective: reached ? round(reached.seconds) : null,
    fastReachesReference: reached !== undefined && reached.seconds < reference.report.seconds,
    fastObjectiveOverReference: round(fit.report.objective / reference.report.objective, 4),
    secondsAfterSolver: round(afterSolver),
    afterSamplingSeconds: round(fitSeconds),
    afterSamplingOverSampling: round(fitSeconds / samplingSeconds, 3),
    // the same in CPU seconds (all threads): the machine's other load shifts wall times
    cpuSeconds: { sampling: round(samplingCpu), afterSampling: round(fitCpu), afterSamplingByPhase: phaseCpu, reference: round(referenceCpu) },
    afterSamplingOverSamplingCpu: round(fitCpu / samplingCpu, 3),
    peakMemoryMiB: { sampling: mib(peakSampling), afterSampling: mib(peakFit), reference: mib(peakReference) },
    heldMiB: mib(held),
    peakOverFeaturesInMemory: round(peak / held, 3),
  };
}

/** ms per generated image and per HTTP edit (one part, one appearance) through the real app. */
async function editChild(bundleDir: string, dataDir: string, tempDir: string) {
  const { sessions, registry, generator } = registryOf(bundleDir);
  const layer = "32x32";
  const id = `bench-edit-${generator.id}`;
  // A factorisation to edit with: a short fit when the layer run left none for this model.
  const [channels] = generator.layer(layer).shape;
  const fit = await fitFactorisation({
    id,
    name: id,
    model: generator.id,
    layer,
    source: sampleFeatures(generator, layer, 32, 1),
    solver: { parts: 8, appearances: channels, solver: "fast", seed: 1, timeBudgetSeconds: 5 },
    sessions,
    sampleImages: async () => [],
    imageSize: { width: generator.manifest.image.width, height: generator.manifest.image.height },
    tempDir,
  });
  await writeFactorisationFolder(join(dataDir, "factorisations", generator.id, id), fit.contents);
  const latents = sampleLatents(generator.manifest.latent.distribution, generator.manifest.latent.size, 3, 1);
  await generator.generate(latents, 1);
  const imageTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = nowMs();
    await generator.generate(latents, 1);
    imageTimes.push(nowMs() - t);
  }
  await registry.close();
  const app = await buildApp({ modelDirs: [resolve(bundleDir, "..")], dataDir, device: parseDevice(device) });
  await app.ready();
  const generated = await app.inject({ method: "POST", url: "/api/generate", payload: { model: generator.id, seed: 3 } });
  const image = generated.headers["x-image-id"] as string;
  const edit = (strength: number) =>
    app.inject({ method: "POST", url: `/api/images/${image}/edits`, payload: { factorisation: id, edits: [{ parts: [0], appearance: 0, strength }] } });
  const first = await edit(1);
  if (first.statusCode !== 200) throw new Error(`edit answered ${first.statusCode}: ${first.body}`);
  const times: number[] = [];
  for (let i = 0; i < env("BENCH_EDITS", 10); i++) {
    const t = nowMs();
    await edit(1 + (i % 3));
    times.push(nowMs() - t);
  }
  await app.close();
  return { msPerImage: round(percentile(imageTimes, 50)), msPerEdit: round(percentile(times, 50)), msPerEditP90: round(percentile(times, 90)), edits: times.length };
}

async function childMain() {
  const [kind, ...rest] = process.argv.slice(process.argv.indexOf("--child") + 1);
  const result = kind === "layer" ? await layerChild(rest[0], rest[1], Number(rest[2]), rest[3], rest[4]) : await editChild(rest[0], rest[1], rest[2]);
  process.stdout.write(JSON.stringify(result) + "\n");
}

(process.argv.includes("--child") ? childMain() : main()).catch((err) => {
  process.stderr.write(`bench:scale: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
