/** The job queue: one job per key at a time, in order; cancel; typed events. */
import { JobEvent, JobQueue } from "../../../companion-server/src/jobs/job-queue";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

it("runs one job per key at a time, in order, and other keys alongside", async () => {
  const queue = new JobQueue();
  const order: string[] = [];
  const gate = deferred();
  const task = (name: string, wait?: Promise<void>) => async () => {
    order.push(`start ${name}`);
    await wait;
    order.push(`end ${name}`);
    return { factorisationId: name };
  };
  const a = queue.submit("factorisation", "m1", {}, task("a", gate.promise));
  const b = queue.submit("factorisation", "m1", {}, task("b"));
  queue.submit("factorisation", "m2", {}, task("c"));
  await new Promise((r) => setTimeout(r, 10));
  expect(queue.get(a.id)?.state).toBe("running");
  expect(queue.get(b.id)?.state).toBe("queued");
  expect(order).toEqual(["start a", "start c", "end c"]);
  gate.resolve();
  await new Promise((r) => setTimeout(r, 10));
  expect(order).toEqual(["start a", "start c", "end c", "end a", "start b", "end b"]);
  expect(queue.get(b.id)).toMatchObject({ state: "finished", factorisationId: "b", error: null });
});

it("reports failures and cancellations as events, and refuses to cancel an ended job", async () => {
  const queue = new JobQueue();
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  const failing = queue.submit("factorisation", "m", {}, async ({ progress }) => {
    progress({ fraction: 0.5, message: "half", objective: 2 });
    throw new Error("out of memory");
  });
  const running = queue.submit("factorisation", "m", {}, ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("stopped")))));
  await new Promise((r) => setTimeout(r, 10));
  queue.cancel(running.id);
  await new Promise((r) => setTimeout(r, 10));
  expect(events.filter((e) => e.type !== "progress")).toEqual([
    { type: "failed", jobId: failing.id, message: "out of memory" },
    { type: "cancelled", jobId: running.id },
  ]);
  expect(queue.get(failing.id)).toMatchObject({ state: "failed", error: "out of memory" });
  expect(() => queue.cancel(failing.id)).toThrow(/already failed/);
  expect(() => queue.cancel("nope")).toThrow(/no job "nope"/);
});

it("throttles progress events but always sends the first", async () => {
  const queue = new JobQueue();
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  const job = queue.submit("factorisation", "m", {}, async ({ progress }) => {
    for (let i = 0; i < 1000; i++) progress({ fraction: i / 1000, message: `iteration ${i}` });
    return { factorisationId: "x" };
  });
  await new Promise((r) => setTimeout(r, 10));
  const progress = events.filter((e) => e.type === "progress");
  expect(progress.length).toBeLessThan(10);
  expect(progress[0]).toMatchObject({ jobId: job.id, fraction: 0, message: "queued" });
  expect(events.at(-1)).toEqual({ type: "finished", jobId: job.id, factorisationId: "x" });
  expect(queue.get(job.id)?.progress.fraction).toBe(1);
});

it("cancels everything on close", async () => {
  const queue = new JobQueue();
  const job = queue.submit("factorisation", "m", {}, ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("stopped")))));
  const waiting = queue.submit("factorisation", "m", {}, async () => ({ factorisationId: "never" }));
  await queue.close();
  expect(queue.get(job.id)?.state).toBe("cancelled");
  expect(queue.get(waiting.id)?.state).toBe("cancelled");
  expect(() => queue.submit("factorisation", "m", {}, async () => ({ factorisationId: "x" }))).toThrow(/closed/);
});
