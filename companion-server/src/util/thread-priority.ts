/**
 * Background threads (ONNX Runtime, imaging, PNG encoding) lower their own CPU priority, so that
 * on a machine with few cores the server's event-loop thread wins a core whenever a request
 * (/api/health, a preview) arrives, while the heavy work still gets every idle cycle. Linux only:
 * there a thread is a task with its own nice value, and threads it creates afterwards (ONNX
 * Runtime's intra-op pool) inherit it. Elsewhere a priority applies to the whole process, so
 * lowering it would slow the event loop too: a no-op that says why.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { isMainThread } from "node:worker_threads";

/** How much nicer than the process a background thread is (nice 0 → 10: about a ninth of the CPU share when both want it). */
export const BACKGROUND_NICENESS = 10;
const NICEST = 19;

export type PriorityOutcome = { lowered: true; tid: number; nice: number } | { lowered: false; reason: string };

/** This thread's kernel task id (Linux), from /proc/thread-self → "<pid>/task/<tid>". */
export function kernelThreadId(): number | null {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Makes the calling worker thread BACKGROUND_NICENESS nicer than it is (at most 19). Call it
 * first thing in the thread, before ONNX Runtime creates its threads. Never fails the thread.
 */
export function lowerThisThreadPriority(platform: NodeJS.Platform = process.platform): PriorityOutcome {
  if (platform !== "linux") return { lowered: false, reason: `${platform} sets priorities per process, not per thread; lowering it would slow the event loop too` };
  if (isMainThread) return { lowered: false, reason: "the main thread runs the event loop: it keeps its priority" };
  const tid = kernelThreadId();
  if (tid === null) return { lowered: false, reason: "/proc/thread-self is not readable, so this thread's id is unknown" };
  try {
    const nice = Math.min(NICEST, getPriority(tid) + BACKGROUND_NICENESS);
    setPriority(tid, nice);
    return { lowered: true, tid, nice };
  } catch (err) {
    return { lowered: false, reason: `setpriority failed: ${(err as Error).message}` };
  }
}
