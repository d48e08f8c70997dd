/** A job's progress in words: phases with counts, rounds, the time left; no 0 % while nothing is counted yet. */
import { progressView } from "../../plugin/src/model/job-progress";

const event = (fields: Partial<Parameters<typeof progressView>[0]>) => progressView({ type: "progress", jobId: "j", fraction: 0, message: "raw", ...fields });

test("each phase says what is happening, with its counts", () => {
  expect(event({ fraction: 0.3, phase: "sampling", done: 120, total: 256 })).toEqual({ fraction: 0.3, determinate: true, message: "Sampling faces 120/256" });
  expect(event({ fraction: 0.5, phase: "solver", round: 3, done: 40, total: 100 }).message).toBe("Fitting parts, round 3");
  expect(event({ fraction: 0.5, phase: "solver", done: 40, total: 100 }).message).toBe("Fitting parts 40/100");
  expect(event({ fraction: 0.9, phase: "statistics", done: 2, total: 4 }).message).toBe("Measuring appearances 2/4");
  expect(event({ fraction: 0.95, phase: "contact sheet" }).message).toBe("Drawing the contact sheet");
  expect(event({ fraction: 0.99, phase: "saving", etaSeconds: 3 }).message).toBe("Saving");
});

test("the time left once the server can tell; the server's words for a phase it does not name", () => {
  expect(event({ fraction: 0.2, phase: "sampling", done: 1, total: 5, etaSeconds: 12.4 }).message).toBe("Sampling faces 1/5 · about 12 s left");
  expect(event({ fraction: 0.2, phase: "solver", round: 1, etaSeconds: 300 }).message).toBe("Fitting parts, round 1 · about 5 min left");
  expect(event({ fraction: 0.4, message: "warming up" }).message).toBe("warming up");
});

test("before the first counted step the bar shows activity, not 0 %", () => {
  expect(event({ fraction: 0, phase: "sampling" })).toMatchObject({ determinate: false, message: "Sampling faces" });
});
