/**
 * bench:exports — every official GAN variant, built at full size with random weights from the public code in
 * ../shared/gan-code (models/export/examples/random_gan.py) and exported with the documented command, one
 * export at a time. Per variant and size: export seconds, peak RSS of the exporter, bundle bytes over the
 * generator's float32 parameter bytes (and the exporter's CPU seconds, and the load average when it ended), the exporter's head∘tail max error per split, and ms per generated
 * image through ONNX Runtime (the default layer's head then tail, batch 1).
 *
 *   npm run bench:exports [-- --only sg3-r-1024,biggan-512] [--samples N] [--record FILE] [--resume] [--keep DIR]
 *
 * Full-size exports take minutes each (a 1024 one 15–20 min on two loaded cores), so the record is rewritten
 * (atomically) after every variant: a partial run is not lost, and `--resume` skips what the record holds.
 * The whole record is printed as JSON at the end. Without ../shared the bench says so and exits 1.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { nowMs, percentile, runMeasured } from "./bench-util";

const ROOT = resolve(__dirname, "..");
const GAN_CODE = resolve(ROOT, "..", "shared", "gan-code");
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
/** All 256 (and BigGAN's 128/256/512) first: they finish sooner, so a run cut short still covers every family. */
const VARIANTS = [
  "sg2-ada-256", "sg3-stylegan2-256", "sg3-t-256", "sg3-r-256", "rosinality-256", "progan-256", "biggan-256",
  "biggan-512", "sg3-stylegan2-1024", "rosinality-1024", "progan-1024", "sg3-t-1024", "sg3-r-1024", "sg2-ada-1024",
];
const TIMED_IMAGES = 3;

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const argValue = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Latents of the exporter's head∘tail check (its --samples, default 8); fewer shortens a run on a starved machine. */
const checkSamples = Number(argValue("--samples") ?? 8);

function log(message: string): void {
  process.stderr.write(`bench:exports: ${message}\n`);
}

/** The exporter writes a flat bundle folder: model.json, the graphs, weights.bin, MODEL_CARD.md. */
const bundleBytes = (dir: string) => readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);

interface Manifest {
  latent: { size: number };
  truncation: { method: string; default: number };
  layers: { id: string; head: string; tail: string }[];
}

/** ms per image through ONNX Runtime: the default layer's head, then its tail on every head output. */
async function msPerImage(bundle: string): Promise<number> {
  const manifest = JSON.parse(readFileSync(join(bundle, "model.json"), "utf8")) as Manifest;
  const layer = manifest.layers[0];
  const head = await ort.InferenceSession.create(join(bundle, layer.head));
  const tail = await ort.InferenceSession.create(join(bundle, layer.tail));
  try {
    const z = Float32Array.from({ length: manifest.latent.size }, (_, i) => Math.sin(i * 12.9898) * 0.9);
    const feeds: Record<string, ort.Tensor> = { z: new ort.Tensor("float32", z, [1, manifest.latent.size]) };
    if (manifest.truncation.method === "input") feeds.truncation = new ort.Tensor("float32", [manifest.truncation.default], [1]);
    const times: number[] = [];
    for (let i = 0; i <= TIMED_IMAGES; i++) {  // the first run warms up
      const started = nowMs();
      const outputs = await head.run(feeds);
      const image = await tail.run(Object.fromEntries(tail.inputNames.map((name) => [name, outputs[name]])));
      if (!image.image) throw new Error("the tail gave no `image`");
      if (i > 0) times.push(nowMs() - started);
    }
    return round(percentile(times, 50));
  } finally {
    await head.release();
    await tail.release();
  }
}

type Outcome = Record<string, unknown>;

async function measure(variant: string, scratch: string, keep: string | undefined): Promise<Outcome> {
  const [, family, size] = /^(.*)-(\d+)$/.exec(variant)!;
  const weights = join(scratch, `${variant}.weights`);
  const bundle = keep ? join(keep, variant) : join(scratch, variant);
  log(`${variant}: building with random weights`);
  const built = await runMeasured(PYTHON, ["models/export/examples/random_gan.py", "--family", family, "--size", size, "--out", weights], { cwd: ROOT });
  if (built.status !== 0) return { error: `building failed: ${built.stderrTail}` };
  const { what, export: exportArgs } = JSON.parse(built.stdout.trim().split("\n").pop()!) as { what: string; export: string[] };
  log(`${variant}: exporting (${what})`);
  const exported = await runMeasured(PYTHON, ["models/export/export.py", ...exportArgs, "--out", bundle, "--id", variant, "--samples", String(checkSamples)], { cwd: ROOT });
  rmSync(weights, { recursive: true, force: true });
  const base = { what, checkSamples, exportSeconds: round(exported.seconds), exportCpuSeconds: round(exported.cpuSeconds), peakRssMiB: mib(exported.peakRssBytes), loadAverage: round(loadavg()[0], 3) };
  if (exported.status !== 0) return { ...base, error: exported.stderrTail };
  const errors = Object.fromEntries([...exported.stdout.matchAll(/-> layer (\S+): .* = ([0-9.e+-]+)/g)].map((m) => [m[1], Number(m[2])]));
  const stateBytes = Number(/(\d+) bytes of float32 parameters and buffers/.exec(exported.stdout)?.[1]);
  const bytes = bundleBytes(bundle);
  log(`${variant}: generating through ONNX Runtime`);
  const ms = await msPerImage(bundle);
  if (!keep) rmSync(bundle, { recursive: true, force: true });
  return {
    ...base, bundleMiB: mib(bytes), parameterMiB: mib(stateBytes), bundleOverParameters: round(bytes / stateBytes, 3),
    headTailMaxError: errors, msPerImage: ms,
  };
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  if (!existsSync(GAN_CODE)) {
    log(`the public GAN code ${GAN_CODE} is absent: nothing to build`);
    process.exit(1);
  }
  const only = argValue("--only")?.split(",");
  const unknown = (only ?? []).filter((v) => !VARIANTS.includes(v));
  if (unknown.length) {
    log(`unknown variant ${unknown.join(", ")}; known: ${VARIANTS.join(", ")} (BigGAN-deep exists at 128, 256, 512 only: there is no 1024 BigGAN)`);
    process.exit(1);
  }
  const recordFile = resolve(argValue("--record") ?? join(tmpdir(), "panda-bench-exports", "record.json"));
  const keep = argValue("--keep") ? resolve(argValue("--keep")!) : undefined;
  const record = process.argv.includes("--resume") && existsSync(recordFile)
    ? JSON.parse(readFileSync(recordFile, "utf8"))
    : { machine: { cpus: cpus().length, loadAverageAtStart: round(loadavg()[0], 3) }, checkSamples, noBigGan1024: "BigGAN-deep was published at 128, 256 and 512: there is no 1024 BigGAN, 512 stands in", variants: {} };
  const scratch = mkdtempSync(join(tmpdir(), "panda-bench-exports-"));
  try {
    for (const variant of only ?? VARIANTS) {
      if (record.variants[variant] && !record.variants[variant].error) continue;
      const started = nowMs();
      record.variants[variant] = await measure(variant, scratch, keep);
      log(`${variant}: done in ${Math.round((nowMs() - started) / 1000)} s: ${JSON.stringify(record.variants[variant])}`);
      writeAtomically(recordFile, JSON.stringify(record, null, 2) + "\n");
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`record: ${recordFile}`);
  process.stdout.write(JSON.stringify(record, null, 2) + "\n");
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
