/**
 * What a factorisation needs before it starts — memory, disk, minutes — and whether it fits the
 * machine. `panda decompose` prints the plan and the factorisation route returns it; both refuse a
 * job that cannot fit, naming the limit and what to lower.
 *
 * The model: features are N·C·H·W float32 values, held in memory up to the feature budget and
 * otherwise in a temporary file; the fast solver holds a few S×S matrices (float64 sums, their
 * float32 copies and ORT's outputs); a batch of about 8 MB goes through ONNX Runtime at a time.
 * Minutes: sampling from a measured seconds-per-sample of the head, solver passes from their
 * FLOPs at a MatMul rate (DESIGN §5; shared CPUs reach less).
 */
import { statfsSync } from "node:fs";
import { totalmem, tmpdir } from "node:os";
import { DEFAULT_FEATURE_MEMORY_BUDGET, featureBytes } from "../feature-store";
import { passBatchSize } from "./passes";
import { FeatureShape, SolverName } from "./types";
import { partsStepFlops, streamedPartsCheaper } from "./fast-solver";
import { coarseStartPays } from "./coarse-start";
import { solverBudgetSeconds } from "./fit-factorisation";

/** The process itself, ONNX Runtime and the generator's sessions, before any features. */
export const BASE_BYTES = 400 << 20;
/** GFLOP/s assumed for solver passes; DESIGN §5 measured 195 for a bare MatMul on an idle machine. */
export const ASSUMED_GFLOPS = 80;
/** Weighted-Gram rounds the fast solver usually runs after its first Gram. */
const EXPECTED_ROUNDS = 4;

export interface FitJob {
  shape: FeatureShape;
  samples: number;
  parts: number;
  appearances: number;
  solver: SolverName;
  /** reference solver only */
  iterations?: number;
  batchSize?: number;
  /** false when the features come from a file already in memory (no sampling) */
  sampled: boolean;
  /** measured seconds of the generator's head per sample, when known */
  headSecondsPerSample?: number;
}

export interface FitLimits {
  /** features above this many bytes go to a temporary file */
  featureMemoryBudget: number;
  /** memory the job may use in all */
  memoryLimit: number;
  /** folder of the temporary file, and the bytes free there */
  tempDir: string;
  diskFree: number;
}

export interface FitPlan {
  featureBytes: number;
  /** where the samples will be kept */
  features: "memory" | "disk";
  memoryBytes: number;
  /** of memoryBytes, the samples held in memory: the features, or a coarse start's pooled copy */
  heldBytes: number;
  diskBytes: number;
  /** estimated minutes per phase; sampling is null when the head's speed is not known */
  minutes: { sampling: number | null; solver: number; after: number; total: number };
}

export interface FitRefusal {
  limit: "memory" | "disk";
  needed: number;
  available: number;
  /** what to lower, in words */
  lower: string;
}

const GIB = 2 ** 30;
export const formatBytes = (bytes: number) => (bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`);

/** Limits of this machine: 80 % of its memory, the free space of the temp folder. */
export function machineLimits(overrides: Partial<FitLimits> = {}): FitLimits {
  const tempDir = overrides.tempDir ?? tmpdir();
  let diskFree = Number.POSITIVE_INFINITY;
  try {
    const fs = statfsSync(tempDir);
    diskFree = fs.bavail * fs.bsize;
  } catch {
    // no statfs here (or no folder yet): the write itself reports a full disk
  }
  return {
    featureMemoryBudget: DEFAULT_FEATURE_MEMORY_BUDGET,
    memoryLimit: Math.floor(totalmem() * 0.8),
    diskFree,
    ...overrides,
    tempDir,
  };
}

/** FLOPs of the solver: the reference's steps; the fast solver's first Gram and then its rounds. */
function solverFlops(job: FitJob): { first: number; rounds: number } {
  const { channels: c, height, width } = job.shape;
  const s = height * width;
  const n = job.samples;
  if (job.solver === "reference") {
    // per step and sample: Π_A Z (C²S), a few C·S·R products, the A-gradient's C²R terms
    const perSample = 2 * (c * c * s + 6 * c * s * job.parts + 4 * c * c * job.parts);
    return { first: (job.iterations ?? 10_000) * (job.batchSize ?? 1) * perSample, rounds: 0 };
  }
  // Large layers start on the 2×2-pooled grid (coarse-start.ts): their Gram is over S/4 positions.
  const grid = startsCoarse(job) ? s / 4 : s;
  const gram = 2 * n * c * grid * grid;
  return { first: gram, rounds: EXPECTED_ROUNDS * partsStepFlops(n, c, s, job.parts, streamedPartsCheaper(n, c, s, job.parts)) };
}

function startsCoarse(job: FitJob): boolean {
  const { channels: c, height, width } = job.shape;
  return job.solver === "fast" && coarseStartPays(job.shape, streamedPartsCheaper(job.samples, c, height * width, job.parts));
}

export function planFit(job: FitJob, limits: FitLimits): FitPlan {
  const bytes = featureBytes(job.shape, job.samples);
  const { channels: c, height, width } = job.shape;
  const s = height * width;
  const onDisk = job.sampled && bytes > limits.featureMemoryBudget;
  const batchBytes = passBatchSize(job.shape) * c * s * 4;
  // Two S×S float64 sums, their float32 copies and ORT's two outputs; C×C matrices likewise. A
  // coarse start forms them over S/4 positions and keeps the pooled samples (a quarter of the bytes).
  const coarse = startsCoarse(job);
  const grid = coarse ? s / 4 : s;
  const pooledBytes = coarse ? bytes / 4 : 0;
  const pooledOnDisk = pooledBytes > limits.featureMemoryBudget;
  const working = 6 * 8 * grid * grid + 6 * 8 * c * c + 4 * batchBytes;
  const heldBytes = (onDisk ? 0 : bytes) + (pooledOnDisk ? 0 : pooledBytes);
  const memoryBytes = BASE_BYTES + heldBytes + working;
  const sampling = job.sampled && job.headSecondsPerSample !== undefined ? (job.headSecondsPerSample * job.samples) / 60 : job.sampled ? null : 0;
  const flops = solverFlops(job);
  const minutesOf = (f: number) => f / (ASSUMED_GFLOPS * 1e9) / 60;
  // A sampled fit cuts the fast solver's refinement rounds to about the sampling's time (fitFactorisation).
  const roundBudget = sampling === null || !job.sampled ? Infinity : solverBudgetSeconds(60 * sampling) / 60;
  const solver = minutesOf(flops.first) + Math.min(minutesOf(flops.rounds), roundBudget);
  // statistics: one AᵀZ per sample (at most 500); the contact sheet is four images
  const after = (2 * Math.min(job.samples, 500) * c * job.appearances * s) / (ASSUMED_GFLOPS * 1e9) / 60 + (job.headSecondsPerSample ?? 0) * 8 / 60;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    featureBytes: bytes,
    features: onDisk ? "disk" : "memory",
    memoryBytes,
    heldBytes,
    diskBytes: (onDisk ? bytes : 0) + (pooledOnDisk ? pooledBytes : 0),
    minutes: { sampling: sampling === null ? null : round(sampling), solver: round(solver), after: round(after), total: round((sampling ?? 0) + solver + after) },
  };
}

/** Why the job cannot run on this machine, or null. */
export function refusal(job: FitJob, plan: FitPlan, limits: FitLimits): FitRefusal | null {
  const s = job.shape.height * job.shape.width;
  if (plan.memoryBytes > limits.memoryLimit) {
    // Only the samples held in memory scale with their count; the rest is the process and the
    // solver's S×S and C×C working matrices.
    const fixedPart = plan.memoryBytes - plan.heldBytes;
    const fitting = plan.heldBytes > 0 ? Math.floor((limits.memoryLimit - fixedPart) / (plan.heldBytes / job.samples)) : 0;
    const lower =
      fitting >= 1
        ? `lower samples to at most ${fitting}`
        : `choose a layer with fewer positions than ${job.shape.height}×${job.shape.width} (without its samples it needs ${formatBytes(fixedPart)}: the process and the solver's ${s}×${s} and channel matrices)`;
    return { limit: "memory", needed: plan.memoryBytes, available: limits.memoryLimit, lower };
  }
  if (plan.diskBytes > limits.diskFree) {
    const fitting = Math.floor(limits.diskFree / (plan.featureBytes / job.samples));
    return { limit: "disk", needed: plan.diskBytes, available: limits.diskFree, lower: `lower samples to at most ${fitting}, or free space in ${limits.tempDir}` };
  }
  return null;
}

/** One sentence for a refusal (CLI line, HTTP message). */
export function describeRefusal(r: FitRefusal): string {
  return `this factorisation needs ${formatBytes(r.needed)} of ${r.limit === "memory" ? "memory" : "disk for its features"}, more than the ${formatBytes(r.available)} available: ${r.lower}`;
}

/** One line stating the plan. */
export function describePlan(plan: FitPlan): string {
  const where = plan.features === "disk" ? `on disk (${formatBytes(plan.diskBytes)} temporary file)` : "in memory";
  const sampling = plan.minutes.sampling === null ? "" : `sampling ${plan.minutes.sampling} + `;
  return `features ${formatBytes(plan.featureBytes)} ${where}; needs about ${formatBytes(plan.memoryBytes)} of memory; about ${plan.minutes.total} min (${sampling}solver ${plan.minutes.solver} + after ${plan.minutes.after})`;
}
