/**
 * Runs on the ONNX Runtime thread go one at a time, and a live preview's (interactive) run goes
 * before runs queued in the background: the queue's order, then real runs of a generator's tail.
 */
import { RunQueue } from "../../companion-server/src/runtime/run-queue";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { GeneratorRegistry } from "../../companion-server/src/runtime/generator-registry";
import { sampleLatents } from "../../companion-server/src/runtime/random";
import { tinyModelsDir } from "../helpers/server";

const tick = () => new Promise((resolve) => setImmediate(resolve));

it("gives the turn to one run at a time: interactive runs in the order they came, ahead of background ones", async () => {
  const queue = new RunQueue();
  const order: string[] = [];
  const run = async (name: string, interactive: boolean, until: Promise<unknown> = tick()) => {
    const release = await queue.turn(interactive);
    order.push(name);
    await until;
    release();
    release(); // a second call changes nothing
  };
  let finish = () => {};
  const first = run("background 1", false, new Promise<void>((resolve) => (finish = resolve)));
  await tick();
  const rest = [run("background 2", false), run("interactive 1", true), run("background 3", false), run("interactive 2", true)];
  await tick();
  expect(queue.queued).toBe(4);
  finish();
  await Promise.all([first, ...rest]);
  expect(order).toEqual(["background 1", "interactive 1", "interactive 2", "background 2", "background 3"]);
  expect(queue.queued).toBe(0);
  // free again: the next run goes at once
  await run("later", false);
  expect(order.at(-1)).toBe("later");
});

it("finishes a preview's tail run before tail runs queued ahead of it in the background", async () => {
  const models = await tinyModelsDir();
  const registry = new GeneratorRegistry([models.dir], new SessionFactory());
  try {
    const generator = registry.get("tiny-test")!;
    const batch = await generator.head("4x4", sampleLatents("normal", 16, 5), 1);
    await generator.tailRgba(batch); // sessions open
    const done: string[] = [];
    const render = (name: string, interactive: boolean) => generator.tailRgba(batch, { interactive }).then(() => done.push(name));
    // the thread busy (as with a page of previews running): three background runs queue, then a preview frame
    const busy = await registry.sessions.thread.runs.turn();
    const background = [render("background 1", false), render("background 2", false), render("background 3", false)];
    for (let i = 0; i < 100 && registry.sessions.thread.runs.queued < 3; i++) await tick();
    const preview = render("preview", true);
    for (let i = 0; i < 100 && registry.sessions.thread.runs.queued < 4; i++) await tick();
    busy();
    await Promise.all([...background, preview]);
    expect(done).toEqual(["preview", "background 1", "background 2", "background 3"]);
  } finally {
    await registry.close();
    models.remove();
  }
});
