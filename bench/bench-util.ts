/** Small shared helpers for the benchmarks: timing, choosing the default model, running and measuring a child process. */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

/** What `runMeasured` saw of one finished command. */
export interface MeasuredRun {
  status: number;
  stdout: string;
  /** The last lines the command wrote to stderr (its error line when it failed). */
  stderrTail: string;
  seconds: number;
  /** user + system CPU seconds of the command and every process under it: less at the mercy of other load than wall time. */
  cpuSeconds: number;
  /** The largest resident memory of the command's process tree (summed over its processes), sampled while it ran,
   * and never below the kernel's high-water mark (VmHWM) of any one of them. */
  peakRssBytes: number;
}

const PAGE_BYTES = 4096;
const CLOCK_TICKS_PER_SECOND = 100; // Linux's USER_HZ on every architecture Node runs on

/** A process's direct children (Linux ≥ 3.5 lists them per thread). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return []; // it ended between two reads
  }
}

/** Resident bytes, kernel peak bytes and CPU seconds (its own and its reaped children's) of one process; null once it is gone. */
function processSample(pid: number): { rss: number; hwm: number; cpu: number } | null {
  try {
    // the fields after the command name, which may itself hold spaces and parentheses
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").pop()!.split(" ");
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { rss: Number(fields[21]) * PAGE_BYTES, hwm: hwm ? Number(hwm[1]) * 1024 : 0, cpu: (utime + stime + cutime + cstime) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/**
 * Runs a command (stdout captured, stderr shown as it goes and its tail kept) and measures it: wall seconds, CPU
 * seconds and peak resident memory of its whole process tree, sampled from /proc every `sampleMs` (Linux; elsewhere
 * CPU and peak are NaN). Every benchmark that times a child process (an export, a child Node process) uses this one.
 */
export function runMeasured(command: string, args: string[], options: { cwd?: string; sampleMs?: number; quiet?: boolean } = {}): Promise<MeasuredRun> {
  return new Promise((resolvePromise, reject) => {
    const started = nowMs();
    const child = spawn(command, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      if (!options.quiet) process.stderr.write(chunk);
      stderr = (stderr + chunk.toString("utf8")).slice(-16_384);
    });
    const onLinux = existsSync("/proc/self/stat");
    let peak = 0;
    let cpu = 0;
    // Each process's CPU counts its reaped children's, so the live tree's sum is the whole command's so far.
    const sample = () => {
      if (!child.pid || !onLinux) return;
      let rss = 0;
      let treeCpu = 0;
      const walk = (pid: number) => {
        const s = processSample(pid);
        if (!s) return;
        rss += s.rss;
        treeCpu += s.cpu;
        peak = Math.max(peak, s.hwm);
        childPids(pid).forEach(walk);
      };
      walk(child.pid);
      peak = Math.max(peak, rss);
      cpu = Math.max(cpu, treeCpu); // a descendant that ended but is not reaped yet is briefly in neither
    };
    sample();
    const timer = setInterval(sample, options.sampleMs ?? 200);
    child.on("error", (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearInterval(timer);
      resolvePromise({
        status: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderrTail: stderr.trim().split("\n").slice(-3).join(" | "),
        seconds: (nowMs() - started) / 1000,
        cpuSeconds: onLinux ? cpu : NaN,
        peakRssBytes: onLinux ? peak : NaN,
      });
    });
  });
}
