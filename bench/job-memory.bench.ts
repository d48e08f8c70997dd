/**
 * Memory of a real `panda serve` process around a factorisation job that is cancelled: resident
 * memory (RSS, from /proc) before, at the peak while it samples, and 1, 5 and 15 s after the
 * cancel, with the job's temporary feature folder checked gone. Default: 16,000 samples of
 * synthfaces 8x8 (1 GB of features, kept in memory). Linux only. Prints JSON.
 *   npm run bench:job-memory [-- --samples N --layer ID --bin PATH/TO/panda.js]
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/helpers/server";
import { DEFAULT_MODELS_DIR } from "../companion-server/src/cli/paths";
import { numberArg } from "./bench-util";

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return Math.round(kib / 1024);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const samples = numberArg("--samples", 16000);
  const layer = argument("--layer", "8x8");
  const bin = argument("--bin", join(__dirname, "..", "companion-server", "bin", "panda.js"));
  const data = tempDir("panda-bench-data-");
  const temp = tempDir("panda-bench-temp-");
  const proc = spawn(process.execPath, [bin, "serve", "--port", "0", "--quiet", "--data-dir", data.dir, "--temp-dir", temp.dir, "--models", DEFAULT_MODELS_DIR], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ready at (http:\/\/[^/\s"]+)\//.exec(out);
        if (m) resolve(m[1]);
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
    const pid = proc.pid as number;
    // a first small job opens the sessions, as a server that has worked before has them
    const post = async (n: number) => {
      const res = await fetch(`${url}/api/factorisations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "synthfaces", layer, parts: 8, appearances: 64, samples: n, seed: 1 }),
      });
      if (res.status !== 202) throw new Error(`job refused: ${res.status} ${await res.text()}`);
      return (await res.json()) as { jobId: string; plan: unknown };
    };
    const state = async (id: string) => (await (await fetch(`${url}/api/jobs/${id}`)).json()) as { state: string; progress?: { phase?: string; done?: number; total?: number } };
    const warm = await post(64);
    while (["queued", "running"].includes((await state(warm.jobId)).state)) await sleep(200);
    await sleep(1000);
    const before = rssMiB(pid);

    const job = await post(samples);
    let peak = before;
    let at: { phase?: string; done?: number; total?: number } | undefined;
    // cancel once nine tenths of the samples are drawn (or the solver has started)
    for (;;) {
      await sleep(100);
      peak = Math.max(peak, rssMiB(pid));
      const s = await state(job.jobId);
      at = s.progress;
      if (s.state !== "running" && s.state !== "queued") break;
      if (s.progress?.phase !== "sampling" && s.progress?.phase !== undefined) break;
      if ((s.progress?.done ?? 0) >= 0.9 * samples) break;
    }
    await fetch(`${url}/api/jobs/${job.jobId}`, { method: "DELETE" });
    const cancelledAt = Date.now();
    while (["queued", "running"].includes((await state(job.jobId)).state)) await sleep(50);
    const after: Record<string, number> = {};
    for (const seconds of [1, 5, 15]) {
      await sleep(cancelledAt + seconds * 1000 - Date.now());
      after[`${seconds}s`] = rssMiB(pid);
    }
    const leftInTemp = readdirSync(temp.dir);
    const result = {
      server: bin,
      job: { model: "synthfaces", layer, samples, plan: job.plan, cancelledAt: at },
      rssMiB: { before, peak, afterCancel: after },
      returnedShare: Math.round(((peak - after["15s"]) / Math.max(1, peak - before)) * 100) / 100,
      tempFilesLeft: leftInTemp,
    };
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } finally {
    proc.kill("SIGTERM");
    data.remove();
    temp.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:job-memory failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
