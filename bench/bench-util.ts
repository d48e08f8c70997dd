/** Small shared helpers for the benchmarks: timing and choosing the default model. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODELS_DIR } from "../companion-server/src/cli/paths";

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The face model when it is there, else the tiny test model; `--model ID` overrides. */
export function benchModelId(argv = process.argv): string {
  const i = argv.indexOf("--model");
  if (i >= 0 && argv[i + 1]) return argv[i + 1];
  return existsSync(join(DEFAULT_MODELS_DIR, "synthfaces", "model.json")) ? "synthfaces" : "tiny-test";
}

export function numberArg(name: string, fallback: number, argv = process.argv): number {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? Number(argv[i + 1]) : fallback;
}
