/**
 * Background threads lower their own priority (Linux), so the event-loop thread wins a core when a
 * request arrives: the ONNX Runtime, imaging and PNG threads (and ONNX Runtime's own pool, started
 * from its thread) run nicer than the process; the main thread keeps its priority; elsewhere it is
 * a no-op that says why.
 */
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { BACKGROUND_NICENESS, kernelThreadId, lowerThisThreadPriority, PriorityOutcome } from "../../companion-server/src/util/thread-priority";
import { buildProductApp, PLANTED } from "../routes/product-app";
import { encodePngOffThread, OFF_THREAD_PIXELS } from "../../companion-server/src/runtime/png-thread";

const linux = process.platform === "linux";
const base = getPriority();
const expected = Math.min(19, base + BACKGROUND_NICENESS);

/** The nice value of every thread of this process, by kernel thread id (field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return nices;
}

it("keeps the main thread's priority, and is a no-op with a reason where priorities are per process", () => {
  expect(lowerThisThreadPriority("darwin")).toEqual({ lowered: false, reason: expect.stringMatching(/darwin sets priorities per process.*slow the event loop/) });
  expect(lowerThisThreadPriority("win32")).toMatchObject({ lowered: false });
  if (!linux) return;
  expect(lowerThisThreadPriority()).toEqual({ lowered: false, reason: expect.stringMatching(/main thread/) });
  expect(getPriority()).toBe(base);
  expect(kernelThreadId()).toBe(process.pid);
});

(linux ? it : it.skip)("makes a worker thread nicer than the process, and only that thread", async () => {
  const entry = join(__dirname, "../../companion-server/src/util/thread-priority.ts");
  const worker = new Worker(`require("tsx/cjs"); require("node:worker_threads").parentPort.postMessage(require(${JSON.stringify(entry)}).lowerThisThreadPriority()); setTimeout(() => {}, 60000);`, { eval: true });
  try {
    const outcome = await new Promise<PriorityOutcome>((resolve, reject) => worker.once("message", resolve).once("error", reject));
    expect(outcome).toEqual({ lowered: true, tid: expect.any(Number), nice: expected });
    if (!outcome.lowered) return;
    expect(outcome.tid).not.toBe(process.pid);
    expect(threadNices().get(outcome.tid)).toBe(expected);
    expect(getPriority()).toBe(base);
  } finally {
    await worker.terminate();
  }
});

(linux ? it : it.skip)("runs the server's ONNX Runtime, imaging and PNG threads nicer than its event loop", async () => {
  const before = threadNices();
  const p = await buildProductApp({ imagingThreads: 1 });
  try {
    const image = await p.generate(3); // the ONNX Runtime thread (and its intra-op pool)
    const mask = await p.app.inject({ method: "POST", url: `/api/images/${image}/masks`, payload: { factorisation: PLANTED, parts: [0] } }); // the imaging thread
    expect(mask.statusCode).toBe(200);
    await encodePngOffThread(new Uint8Array(OFF_THREAD_PIXELS), 256, 256, true); // the PNG thread
    const started = [...threadNices()].filter(([tid]) => !before.has(tid));
    const nicer = started.filter(([, nice]) => nice === expected);
    expect({ nicer: nicer.length >= 3, started }).toEqual({ nicer: true, started });
    expect(threadNices().get(process.pid)).toBe(base);
  } finally {
    await p.close();
  }
});
