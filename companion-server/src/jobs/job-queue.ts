/**
 * Long-running work (fitting a factorisation) as explicit jobs: queued per key (one model's jobs
 * run one at a time, in order; different models run side by side), cancellable through an
 * AbortSignal, and observable as a stream of typed events. Knows nothing of HTTP or PandA.
 */
import { randomUUID } from "node:crypto";

export type JobState = "queued" | "running" | "finished" | "failed" | "cancelled";

export interface JobProgress {
  fraction: number;
  objective?: number;
  message: string;
  /** what the job is doing: "sampling", "solver", "statistics", "contact sheet", "saving" */
  phase?: string;
  /** units of the current step done and in all (samples of a pass, iterations) */
  done?: number;
  total?: number;
  /** the fast solver's round */
  round?: number;
  /** seconds left, once there is enough to go on */
  etaSeconds?: number;
}

/** Only the fields of JobProgress (callers may pass richer objects), without undefined ones. */
function progressOf(p: JobProgress): JobProgress {
  const out: JobProgress = { fraction: Math.min(1, Math.max(0, p.fraction)), message: p.message };
  for (const key of ["objective", "phase", "done", "total", "round", "etaSeconds"] as const) if (p[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = p[key];
  return out;
}

export interface JobInfo<Request = unknown> {
  id: string;
  kind: string;
  /** jobs with the same key run one after another */
  key: string;
  state: JobState;
  progress: JobProgress;
  request: Request;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** set when finished */
  factorisationId: string | null;
  /** set when failed */
  error: string | null;
}

export type JobEvent =
  | ({ type: "progress"; jobId: string } & JobProgress)
  | { type: "finished"; jobId: string; factorisationId: string }
  | { type: "failed"; jobId: string; message: string }
  | { type: "cancelled"; jobId: string };

export interface JobContext {
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export type JobTask = (ctx: JobContext) => Promise<{ factorisationId: string }>;

export class JobError extends Error {
  constructor(
    readonly kind: "unknown" | "ended",
    message: string,
  ) {
    super(message);
  }
}

interface Entry {
  info: JobInfo;
  task: JobTask;
  abort: AbortController;
  lastEmit: number;
}

/** Progress events are sent at most this often per job (the solvers report every iteration), phase changes and completed steps aside. */
const PROGRESS_INTERVAL_MS = 100;
/** Ended jobs kept for GET /api/jobs/:id. */
const KEEP_ENDED = 200;

export class JobQueue {
  private readonly jobs = new Map<string, Entry>();
  private readonly waiting = new Map<string, Entry[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private closed = false;

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  submit<Request>(kind: string, key: string, request: Request, task: JobTask): JobInfo<Request> {
    if (this.closed) throw new Error("the job queue is closed");
    const info: JobInfo<Request> = {
      id: randomUUID(),
      kind,
      key,
      state: "queued",
      progress: { fraction: 0, message: "queued" },
      request,
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      factorisationId: null,
      error: null,
    };
    const entry: Entry = { info, task, abort: new AbortController(), lastEmit: 0 };
    this.jobs.set(info.id, entry);
    this.waiting.set(key, [...(this.waiting.get(key) ?? []), entry]);
    this.emit({ type: "progress", jobId: info.id, ...info.progress });
    this.pump(key);
    return info;
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id)?.info;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => e.info);
  }

  /** Jobs queued or running: what a new job would wait behind. */
  pendingCount(): number {
    let n = 0;
    for (const e of this.jobs.values()) if (e.info.state === "queued" || e.info.state === "running") n++;
    return n;
  }

  /** Cancels a queued or running job; an ended one is an error (it cannot be undone). */
  cancel(id: string): JobInfo {
    const entry = this.jobs.get(id);
    if (!entry) throw new JobError("unknown", `no job "${id}"`);
    const { info } = entry;
    if (info.state === "finished" || info.state === "failed" || info.state === "cancelled") throw new JobError("ended", `job "${id}" has already ${info.state === "cancelled" ? "been cancelled" : info.state}`);
    if (info.state === "queued") {
      this.waiting.set(info.key, (this.waiting.get(info.key) ?? []).filter((e) => e !== entry));
      this.end(entry, "cancelled");
    } else {
      entry.abort.abort();
    }
    return info;
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels everything and waits for running tasks to stop. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.jobs.values()) if (entry.info.state === "queued" || entry.info.state === "running") this.cancel(entry.info.id);
    await Promise.allSettled(this.running.values());
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private pump(key: string): void {
    if (this.running.has(key)) return;
    const queue = this.waiting.get(key) ?? [];
    const entry = queue.shift();
    if (!entry) {
      this.waiting.delete(key);
      return;
    }
    const run = this.run(entry).finally(() => {
      this.running.delete(key);
      this.pump(key);
    });
    this.running.set(key, run);
  }

  private async run(entry: Entry): Promise<void> {
    const { info } = entry;
    info.state = "running";
    info.startedAt = new Date().toISOString();
    this.report(entry, { fraction: 0, message: "started" }, true);
    try {
      const result = await entry.task({ signal: entry.abort.signal, progress: (p) => this.report(entry, p, false) });
      // A task that completed despite a late cancel has saved its result: report it as finished.
      info.factorisationId = result.factorisationId;
      info.progress = { fraction: 1, message: "finished", ...(info.progress.objective !== undefined ? { objective: info.progress.objective } : {}) };
      this.end(entry, "finished");
    } catch (err) {
      if (entry.abort.signal.aborted) return this.end(entry, "cancelled");
      info.error = err instanceof Error ? err.message : String(err);
      this.end(entry, "failed");
    }
  }

  private report(entry: Entry, p: JobProgress, force: boolean): void {
    if (entry.info.state !== "running") return;
    const previous = entry.info.progress;
    entry.info.progress = progressOf(p);
    // A new phase and the end of a counted step always show: they are what a person waits for.
    const milestone = p.phase !== previous.phase || (p.done !== undefined && p.done === p.total);
    const now = Date.now();
    if (!force && !milestone && now - entry.lastEmit < PROGRESS_INTERVAL_MS) return;
    entry.lastEmit = now;
    this.emit({ type: "progress", jobId: entry.info.id, ...entry.info.progress });
  }

  private end(entry: Entry, state: "finished" | "failed" | "cancelled"): void {
    const { info } = entry;
    info.state = state;
    info.endedAt = new Date().toISOString();
    if (state === "finished") this.emit({ type: "finished", jobId: info.id, factorisationId: info.factorisationId as string });
    else if (state === "failed") this.emit({ type: "failed", jobId: info.id, message: info.error ?? "failed" });
    else this.emit({ type: "cancelled", jobId: info.id });
    this.forgetOldJobs();
  }

  private forgetOldJobs(): void {
    const ended = [...this.jobs.values()].filter((e) => e.info.endedAt !== null);
    for (const e of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.jobs.delete(e.info.id);
  }
}
