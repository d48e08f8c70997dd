/**
 * Slider-to-pixels latency of the panel's live preview, in the web editor in Chromium against
 * the real server on the default model (synthfaces when exported, else tiny-test):
 * from the pointer move or key press behind a strength `input` event (its event time) to the first
 * animation frame after the preview layer shows that strength or a newer one. Two phases: a continuous drag of the real
 * slider with the mouse (events at about 60 Hz, coalesced by the panel) and isolated key steps.
 * Each phase also says where the time went (p50/p95): the panel's request and its drawing of the
 * frame, and inside the request the server's steps (Server-Timing: parts lookup, Z', the tail — or
 * the draft tail, whose frames the panel shows first: while dragging, and before each key step's
 * full-quality frame). `settled` is the wait for the full-quality frame: after each key step, and
 * after the drag's release for the value it ended on.
 * Then the same two phases with the in-browser engine: the standalone site (build:static) on a
 * plain file server, the tail run in the page by ONNX Runtime Web (WebAssembly: this Chromium has
 * no GPU) on the shipped parts; `inBrowser` and the ratios to the server come from the same run.
 * Between them, "server + page tail": the server holds the image, the page renders every frame from
 * its features in a worker (engine/page-tail.ts). Each phase also reports the main thread's long
 * tasks (over 50 ms) per frame shown.
 * Prints JSON.   npm run bench:preview [-- --model ID --steps N]
 */
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { defaultModelDirs } from "../companion-server/src/cli/paths";
import { ensureStaticBuild, ensureWebBuild, launchBrowser } from "../test/helpers/browser";
import { staticFileServer } from "../scripts/serve-static";
import { startTestServer, tempDir } from "../test/helpers/server";
import { PanelDriver } from "../test/e2e/helpers";
import { benchModelId, numberArg, percentile } from "./bench-util";

const TARGET_P50_MS = 100;

interface Recorded {
  /** [time, strength] of each strength change the panel received */
  inputs: [number, number][];
  /** [time, strength, draft] of the first animation frame after each preview update */
  shown: [number, number, boolean][];
  /** per preview update, where its time went (the panel's own figures) and who rendered it */
  frames: { requestMs: number; drawMs: number; draft: boolean; source: string }[];
  /** when the pointer let go of the slider (the drag's end) */
  released: number[];
  /** per preview request, the server's steps (Server-Timing, through Resource Timing) */
  server: Record<string, number>[];
  /** durations of the page's main-thread tasks over 50 ms (Long Tasks API) */
  longTasks: number[];
}

/** For each input, the wait until a preview showing it or a later input was on screen (full frames only: `fullOnly`). */
function latencies({ inputs, shown: all }: Recorded, fullOnly = false): number[] {
  const shown = fullOnly ? all.filter(([, , draft]) => !draft) : all;
  const result: number[] = [];
  let next = 0;
  for (const [time, strength] of shown) {
    // the newest input with this strength received before the frame: it and all before it are served
    let served = -1;
    for (let i = inputs.length - 1; i >= next; i--) if (inputs[i][0] <= time && inputs[i][1] === strength) { served = i; break; }
    for (; next <= served; next++) result.push(time - inputs[next][0]);
  }
  return result;
}

function summary(values: number[]) {
  const round = (v: number) => Math.round(v * 10) / 10;
  return { samples: values.length, p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), max: round(Math.max(...values)) };
}

/** The wait from the drag's release to the full-quality frame of the value it ended on. */
function afterRelease({ released, shown }: Recorded): number | null {
  const last = released.at(-1);
  const full = shown.find(([time, , draft]) => !draft && last !== undefined && time >= last);
  return last === undefined || !full ? null : Math.round((full[0] - last) * 10) / 10;
}

/**
 * p50/p95 of each step, for draft and full frames apart: the panel's request and draw, and the
 * server's steps inside the request (a request ran the draft tail when its Server-Timing has "draft").
 */
function profile({ frames, server }: Recorded) {
  const short = (values: number[]) => {
    if (values.length === 0) return null;
    const { samples, p50, p95 } = summary(values);
    return { samples, p50, p95 };
  };
  const part = (draft: boolean) => {
    const mine = server.filter((s) => ("draft" in s) === draft);
    const steps = [...new Set(mine.flatMap((s) => Object.keys(s)))];
    const panel = frames.filter((f) => f.draft === draft);
    return {
      request: short(panel.map((f) => f.requestMs)),
      draw: short(panel.map((f) => f.drawMs)),
      server: Object.fromEntries(steps.map((step) => [step, short(mine.map((s) => s[step] ?? 0))])),
    };
  };
  return { draft: part(true), full: part(false) };
}

/**
 * The drag's first frame, where a stall shows: the wait from the first input to it on screen, the
 * panel's request and draw (the draw includes fetching the part's mask for a new preview layer),
 * who rendered it, and the server's steps when the server did.
 */
function firstFrame({ inputs, shown, frames, server }: Recorded) {
  if (inputs.length === 0 || shown.length === 0 || frames.length === 0) return null;
  const round = (v: number) => Math.round(v * 10) / 10;
  const { requestMs, drawMs, draft, source } = frames[0];
  return { waitMs: round(shown[0][0] - inputs[0][0]), requestMs: round(requestMs), drawMs: round(drawMs), draft, source, server: source === "server" ? (server[0] ?? null) : null };
}

/** How many frames each source rendered (the server, or the page with the server's model files). */
function sources({ frames }: Recorded): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of frames) counts[f.source] = (counts[f.source] ?? 0) + 1;
  return counts;
}

/** How long the page's main thread was blocked (tasks over 50 ms), in all and per preview frame shown. */
function mainThread({ longTasks, shown }: Recorded) {
  const total = longTasks.reduce((a, b) => a + b, 0);
  return { longTasks: longTasks.length, longTaskMs: Math.round(total), maxTaskMs: Math.round(Math.max(0, ...longTasks)), longTaskMsPerFrame: shown.length ? Math.round((total / shown.length) * 10) / 10 : null };
}

/** The panel's state once an image, a part and an appearance are picked (set up through the panel model). */
interface Ready {
  error: string | null;
  image: { width: number; height: number } | null;
  factorisation: string | null;
}

/** Drags the slider, then steps it with the keys, recording every input and every preview frame. */
async function measure(page: Page, steps: number) {
  await page.evaluate(() => {
    const recorded: Recorded = { inputs: [], shown: [], frames: [], server: [], released: [], longTasks: [] };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) recorded.longTasks.push(entry.duration);
    }).observe({ type: "longtask" });
    const m = window.pandaStudio!.panel!.model;
    const slider = document.querySelector('[data-field="strength"]')!;
    let last = m.state.strength;
    // An input starts when the user's pointer move or key press does: its event's time, not the time
    // a listener runs (a busy main thread — the in-browser engine computes there — delays both).
    let cause: number | null = null;
    for (const type of ["pointerdown", "pointermove", "keydown"])
      window.addEventListener(type, (e) => {
        cause = e.timeStamp;
        setTimeout(() => (cause = null)); // the slider's input event follows within the same task
      }, true);
    // registered after the panel's own listener, so the model has the new strength already
    slider.addEventListener("input", (e) => {
      if (m.state.strength !== last) recorded.inputs.push([Math.min(cause ?? e.timeStamp, e.timeStamp), (last = m.state.strength)]);
    });
    window.addEventListener("pointerup", (e) => recorded.released.push(e.timeStamp), true);
    document.addEventListener("panda-preview-shown", (e) => {
      const { strength, requestMs, drawMs, draft, source } = (e as CustomEvent<{ strength: number; requestMs: number; drawMs: number; draft?: boolean; source?: string }>).detail;
      recorded.frames.push({ requestMs, drawMs, draft: draft === true, source: source ?? "server" });
      requestAnimationFrame(() => recorded.shown.push([performance.now(), strength, draft === true]));
    });
    performance.setResourceTimingBufferSize(100000);
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceResourceTiming[])
        if (/\/api\/images\/[^/]+\/edits$/.test(new URL(entry.name).pathname)) recorded.server.push(Object.fromEntries(entry.serverTiming.map((t) => [t.name, t.duration])));
    }).observe({ type: "resource" });
    (window as unknown as { benchRecord: Recorded }).benchRecord = recorded;
  });
  const take = () =>
    page.evaluate(() => {
      const w = window as unknown as { benchRecord: Recorded };
      const r = w.benchRecord;
      const copy = { inputs: [...r.inputs], shown: [...r.shown], frames: [...r.frames], server: [...r.server], released: [...r.released], longTasks: [...r.longTasks] };
      for (const list of [r.inputs, r.shown, r.frames, r.server, r.released, r.longTasks]) list.length = 0;
      return copy;
    });
  const settle = () => page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle()).then(() => page.waitForTimeout(100));

  // Phase 1: drag the handle back and forth with the mouse, one move per frame.
  const track = page.locator('[data-field="strength"] #controls');
  await track.scrollIntoViewIfNeeded();
  const box = (await track.boundingBox())!;
  const y = box.y + box.height / 2;
  const x = (fraction: number) => box.x + box.width * fraction;
  await page.mouse.move(x(0.5), y);
  await page.mouse.down();
  const moves = 240;
  for (let i = 0; i < moves; i++) {
    await page.mouse.move(x(0.5 + 0.35 * Math.sin((i / moves) * 4 * Math.PI)), y);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  await settle();
  const drag = await take();

  // Phase 2: isolated steps with the arrow keys on the focused slider.
  await page.locator('[data-field="strength"] input').first().focus();
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press(i % 2 ? "ArrowLeft" : "ArrowRight");
    await settle();
  }
  const keys = await take();
  const dragLatency = latencies(drag);
  const stepLatency = latencies(keys);
  const drafts = (r: Recorded) => r.shown.filter(([, , draft]) => draft).length;
  return {
    drag: {
      ...summary(dragLatency),
      inputEvents: drag.inputs.length,
      previewUpdates: drag.shown.length,
      draftFrames: drafts(drag),
      sources: sources(drag),
      firstFrame: firstFrame(drag),
      settledAfterReleaseMs: afterRelease(drag),
      mainThread: mainThread(drag),
      profile: profile(drag),
    },
    steps: { ...summary(stepLatency), draftFrames: drafts(keys), sources: sources(keys), settled: summary(latencies(keys, true)), mainThread: mainThread(keys), profile: profile(keys) },
    met: percentile(dragLatency, 50) <= TARGET_P50_MS && percentile(stepLatency, 50) <= TARGET_P50_MS,
  };
}

/**
 * measure(), refusing a phase without samples: an empty column (as one in-browser run printed)
 * says nothing, so the bench fails with what the panel reported instead.
 */
async function measured(engine: string, page: Page, steps: number) {
  // the appearance browser's thumbnails, arriving, move the slider down the panel: a drag started
  // before they are shown can press where the slider was (one run recorded 1 input of 240 moves)
  await page.evaluate(() => window.pandaStudio!.panel!.model.appearancesIdle());
  const result = await measure(page, steps);
  const empty = (["drag", "steps"] as const).filter((phase) => !(result[phase].samples > 0));
  if (empty.length > 0) {
    const error = await page.evaluate(() => window.pandaStudio!.panel!.model.state.error);
    throw new Error(`bench:preview: the ${engine} engine showed no preview for any ${empty.join(" or ")} input (drag: ${result.drag.inputEvents} inputs, ${result.drag.previewUpdates} previews); the panel says: ${error ?? "no error"}`);
  }
  return result;
}

/**
 * The companion server serving the web editor; parts discovered on the server. `pagePreview`: the
 * page renders the preview itself from the image's features (engine/page-tail.ts), else every
 * frame is a POST /edits.
 */
async function serverEngine(model: string, steps: number, pagePreview: boolean) {
  const data = tempDir("panda-bench-data-");
  const server = await startTestServer({ modelDirs: defaultModelDirs(), dataDir: data.dir, webRoot: ensureWebBuild() });
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    await page.addInitScript((on) => localStorage.setItem("panda-studio.preferences", JSON.stringify({ pagePreview: on })), pagePreview);
    await page.goto(server.url);
    const panel = new PanelDriver(page);
    await panel.waitFor((s) => s.connection.status === "connected" && s.modelId !== null);
    // Setup through the panel model: an image, its parts (the model's shipped ones, else discovered),
    // the biggest part and the first appearance.
    const ready: Ready = await page.evaluate(async (id) => {
      const m = window.pandaStudio!.panel!.model;
      await m.selectModel(id);
      m.setGenerate({ seed: 1 });
      m.setDiscover({ parts: 8, samples: 256 });
      await m.generate();
      if (m.state.parts.length === 0) await m.discoverParts();
      const part = m.state.parts.reduce((a, b) => (b.coverage > a.coverage ? b : a)).index;
      m.selectPart(part);
      m.selectAppearance(0);
      return { error: m.state.error, image: m.state.image, factorisation: m.state.factorisationId };
    }, model);
    if (ready.error || !ready.image) throw new Error(`setup failed: ${ready.error}`);
    if (pagePreview) {
      // measured once the page holds the features and the tail (before that, the server renders: see page-preview.browser.test.ts)
      const state = await panel.waitFor((s) => s.pagePreview?.status?.where === "page" || s.pagePreview?.status?.where === "server", 120_000);
      if (state.pagePreview?.status?.where !== "page") throw new Error(`bench:preview: the page does not render the preview: ${state.pagePreview?.status?.reason}`);
    }
    return { ready, ...(await measured(pagePreview ? "server + page tail" : "server", page, steps)) };
  } finally {
    await browser.close();
    await server.close();
    data.remove();
  }
}

/**
 * The standalone site on a plain file server: the model and the shipped parts in the page.
 * `worker`: frames rendered by the tail worker (the default), else by the engine on the main thread.
 */
async function inBrowserEngine(steps: number, worker: boolean) {
  const files = await staticFileServer(ensureStaticBuild());
  await files.listen({ host: "127.0.0.1", port: 0 });
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    await page.addInitScript((on) => localStorage.setItem("panda-studio.preferences", JSON.stringify({ pagePreview: on })), worker);
    await page.goto(`http://127.0.0.1:${(files.server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => window.pandaStudio?.panel?.model.state.factorisationId != null, undefined, { timeout: 120_000 });
    const ready: Ready = await page.evaluate(async () => {
      const m = window.pandaStudio!.panel!.model;
      m.setGenerate({ seed: 1 });
      await m.generate();
      const part = m.state.parts.reduce((a, b) => (b.coverage > a.coverage ? b : a)).index;
      m.selectPart(part);
      m.selectAppearance(0);
      return { error: m.state.error, image: m.state.image, factorisation: m.state.factorisationId };
    });
    if (ready.error || !ready.image) throw new Error(`in-browser setup failed: ${ready.error}`);
    if (worker) {
      const state = await new PanelDriver(page).waitFor((s) => s.pagePreview?.status?.where === "page" || s.pagePreview?.status?.where === "server", 120_000);
      if (state.pagePreview?.status?.where !== "page") throw new Error(`bench:preview: the tail worker does not render the preview: ${state.pagePreview?.status?.reason}`);
    }
    const backend = await page.evaluate(() => window.pandaStudio!.panel!.model.state.connection.health?.device.active ?? null);
    return { ready, backend, ...(await measured("in-browser", page, steps)) };
  } finally {
    await browser.close();
    await files.close();
  }
}

async function main(): Promise<void> {
  const model = benchModelId();
  const steps = numberArg("--steps", 30);
  const server = await serverEngine(model, steps, false);
  const pageTail = await serverEngine(model, steps, true);
  // the static site carries the default model only
  const inBrowser = model === "synthfaces" ? await inBrowserEngine(steps, true) : null;
  const inBrowserMainThread = model === "synthfaces" ? await inBrowserEngine(steps, false) : null;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const result = {
    bench: "preview-latency",
    model,
    image: `${server.ready.image!.width}×${server.ready.image!.height}`,
    factorisation: server.ready.factorisation,
    design:
      "one POST /api/images/:id/edits per preview frame, raw RGBA: a draft first (the model's draft tail: quality draft), then for a key step its full frame, for a drag one full frame once it lets go; slider events coalesced (at most one request in flight, the next one sent while a frame is drawn); preview layer updated in place",
    drag: server.drag,
    steps: server.steps,
    targetP50Ms: TARGET_P50_MS,
    met: server.met,
    serverWithPageTail: {
      design: "the server holds the image; the page fetched its features and the factorisation once and renders every frame in a worker (Z', the tail on ONNX Runtime Web's WebAssembly build, RGBA), no request per frame",
      drag: pageTail.drag,
      steps: pageTail.steps,
      met: pageTail.met,
      p50VersusServer: { drag: ratio(pageTail.drag.p50, server.drag.p50), steps: ratio(pageTail.steps.p50, server.steps.p50) },
    },
    inBrowser: inBrowser
      ? {
          design: "the standalone site (no server): every frame in the tail worker (Z', the tail on ONNX Runtime Web, RGBA), single-threaded (no cross-origin isolation on a plain file server)",
          engine: inBrowser.backend,
          factorisation: inBrowser.ready.factorisation,
          drag: inBrowser.drag,
          steps: inBrowser.steps,
          met: inBrowser.met,
          p50VersusServer: { drag: ratio(inBrowser.drag.p50, server.drag.p50), steps: ratio(inBrowser.steps.p50, server.steps.p50) },
        }
      : { skipped: `the static site carries synthfaces only, not ${model}` },
    inBrowserMainThread: inBrowserMainThread
      ? {
          design: "the same site with the page's previews turned off: Z' and RGBA on the page's main thread, the tail in ONNX Runtime's proxy worker (what the worker replaces)",
          drag: inBrowserMainThread.drag,
          steps: inBrowserMainThread.steps,
          met: inBrowserMainThread.met,
        }
      : null,
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
