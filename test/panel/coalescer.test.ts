import { Coalescer } from "../../plugin/src/model/coalescer";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("runs the first value at once, then only the latest one pushed while busy", async () => {
  const ran: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const coalescer = new Coalescer<number>(async (v) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await tick(20);
    ran.push(v);
    inFlight--;
  }, fail);
  for (let v = 1; v <= 10; v++) coalescer.push(v);
  await coalescer.idle();
  expect(ran).toEqual([1, 10]);
  expect(maxInFlight).toBe(1);
});

test("a failing run is reported and does not stop later values", async () => {
  const errors: unknown[] = [];
  const ran: number[] = [];
  const coalescer = new Coalescer<number>(async (v) => {
    if (v === 1) throw new Error("boom");
    ran.push(v);
  }, (err) => errors.push(err));
  coalescer.push(1);
  await coalescer.idle();
  coalescer.push(2);
  await coalescer.idle();
  expect(errors).toHaveLength(1);
  expect(ran).toEqual([2]);
});

function fail(err: unknown): never {
  throw err;
}
