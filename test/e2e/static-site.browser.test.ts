/**
 * The standalone site (npm run build:static) in Chromium, served by a plain static file server
 * with no companion server anywhere: the panel runs the shipped SynthFaces model in the page on
 * ONNX Runtime Web (WebAssembly; this Chromium has no GPU) and walks generate → part → layer
 * mask → strength drag → apply → export, asserting pixels. Then the same site served by the
 * companion server: the panel uses the server. Then cross-origin: the site on one loopback origin
 * and a companion server on another, started with --allow-origin for the site — the panel uses it
 * (HTTP and the WebSocket); a site on an origin the server does not allow runs the model itself
 * and says how to start the server.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { AddressInfo } from "node:net";
import { ensureStaticBuild, launchBrowser, screenshot, TestBrowser } from "../helpers/browser";
import { startTestServer, tempDir } from "../helpers/server";
import { staticFileServer } from "../../scripts/serve-static";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { DEFAULT_MODELS_DIR } from "../../companion-server/src/cli/paths";
import { meanChange, PanelDriver } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const IMAGE = "synthfaces seed 42";
let root: string;

beforeAll(() => {
  root = ensureStaticBuild();
}, 300_000);

describe("served by a plain static file server", () => {
  let files: FastifyInstance;
  let browser: TestBrowser;
  let panel: PanelDriver;
  /** the page's address */
  let siteUrl: string;
  /** requests the page made to a PandA API path beyond the one probe for a server */
  const apiRequests: string[] = [];
  /** answers other than 2xx/3xx: only the probe's 404 for /api/health is expected */
  const failed: string[] = [];

  beforeAll(async () => {
    files = await staticFileServer(root);
    await files.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchBrowser();
    browser.page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith("/api/") && path !== "/api/health") apiRequests.push(r.url());
    });
    browser.page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${new URL(r.url()).pathname}`));
    siteUrl = `http://127.0.0.1:${(files.server.address() as AddressInfo).port}/`;
    await browser.page.goto(siteUrl);
    await browser.page.waitForFunction(() => window.pandaStudio?.panel != null);
    panel = new PanelDriver(browser.page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await files?.close();
  });

  test("the panel runs the shipped model in the page and says what needs the server", async () => {
    const state = await panel.waitFor((s) => s.connection.status === "connected" && s.factorisationId !== null);
    expect(state.connection.engine).toBe("browser");
    expect(state.modelId).toBe("synthfaces");
    expect(state.factorisationId).toBe("synthfaces-8x8");
    expect(state.connection.health?.device.active).toBe("in this browser (WebAssembly)");
    const hint = await browser.page.locator('[data-hint="needs-server"]').textContent();
    expect(hint).toContain("Discovering parts, other models and GPUs need the companion server");
    expect(await browser.page.locator('[data-action="discover"]').count()).toBe(0);
    await screenshot(browser.page, "static-0-in-browser");
    await browser.page.setViewportSize({ width: 1024, height: 700 });
    await screenshot(browser.page, "static-0-in-browser-1024x700");
    await browser.page.setViewportSize({ width: 1440, height: 900 });
  });

  test("generate → part → layer mask → strength drag → apply → export, with no server", async () => {
    const { page } = browser;
    // what an older build left in the cache: a file at another hash, a file this build lacks, and a file of another site
    const leftovers = ["models/synthfaces/8x8/tail.onnx?v=0123456789abcdef", "models/retired/model.json?v=0123456789abcdef", "http://elsewhere.test/x.bin"].map((u) => new URL(u, siteUrl).href);
    await page.evaluate(async (urls) => {
      const cache = await caches.open("panda-studio-bundles-v1");
      for (const url of urls) await cache.put(url, new Response("old"));
    }, leftovers);
    // a fresh editor (a retry must not find the layers of a first attempt); the model now comes from the Cache API
    await page.goto(siteUrl);
    await page.waitForFunction(() => window.pandaStudio?.panel?.model.state.factorisationId != null, undefined, { timeout: 120_000 });
    // the older build's entries go; the other site's stays
    const keysNow = () => page.evaluate(async () => (await (await caches.open("panda-studio-bundles-v1")).keys()).map((r) => r.url));
    await page.waitForFunction(async (stale) => {
      const keys = (await (await caches.open("panda-studio-bundles-v1")).keys()).map((r) => r.url);
      return stale.every((u) => !keys.includes(u));
    }, leftovers.slice(0, 2));
    expect((await keysNow()).filter((u) => leftovers.includes(u))).toEqual([leftovers[2]]);
    await panel.fill("seed", "42");
    // the page compiles the model on its main thread meanwhile (single-threaded WebAssembly): allow a slow CI machine
    await page.locator('[data-action="generate"]').click({ timeout: 120_000 });
    expect((await panel.waitFor((s) => s.busy === null, 180_000)).error).toBeNull();
    expect(await panel.layers()).toEqual([{ name: IMAGE, width: 256, height: 256, hasMask: false }]);
    // ONNX Runtime runs in its proxy worker (the site's own ort script, loaded as a worker), not on the page's main thread
    expect(page.workers().map((w) => w.url())).toContain(`${siteUrl}ort/ort.wasm.min.js`);
    // the model's files are in the Cache API, keyed by their hashes (the next visit reads them there)
    const cached: string[] = await page.evaluate(async () => (await (await caches.open("panda-studio-bundles-v1")).keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search));
    for (const file of ["/models/synthfaces/8x8/head.onnx", "/models/synthfaces/8x8/tail.onnx", "/models/synthfaces/8x8/draft.onnx", "/ort/ort-wasm-simd-threaded.wasm"]) expect(cached.some((u) => new RegExp(`^${file}\\?v=[0-9a-f]{16}$`).test(u))).toBe(true);
    const original = await panel.layerPixels(IMAGE);
    // a face, not a flat or broken image: many distinct colours
    expect(new Set(original.rgba.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(100);

    await page.locator('[data-part="7"] img').waitFor();
    const state = await panel.state();
    expect(state.parts).toHaveLength(8);
    // the largest part that is not the background
    const part = state.parts.filter((p) => p.coverage < 0.5).reduce((a, b) => (b.coverage > a.coverage ? b : a)).index;
    await panel.pickPart(part);
    await panel.click("mask");
    expect((await panel.idle()).error).toBeNull();
    const mask = (await panel.layerPixels(IMAGE)).mask!;
    expect(mask).toHaveLength(256 * 256);
    const inside = mask.filter((v) => v === 255).length;
    expect(inside).toBeGreaterThan(256 * 256 * 0.01);
    expect(inside).toBeLessThan(256 * 256 * 0.6);
    // the parts are refined for this image in the page, as the server refines them (engine-parity.test.ts): not the global parts
    const [refined, global] = await page.evaluate(
      async ({ image, factorisation, part }) => {
        const client = (window.pandaStudio!.panel!.model as unknown as { client: import("../../plugin/src/client/client").PandaClient }).client;
        const ask = async (refine: boolean) => Array.from((await client.partMask(image, { factorisation, parts: [part], kind: "binary", refine })).gray);
        return [await ask(true), await ask(false)];
      },
      { image: state.image!.id, factorisation: state.factorisationId!, part },
    );
    expect(mask).toEqual(refined);
    expect(global.filter((v, i) => v !== mask[i]).length).toBeGreaterThan(256 * 256 * 0.005);
    await screenshot(page, "static-1-mask");

    await panel.pickAppearance(0);
    // the preview's frames come from the tail worker (Z', the tail and RGBA off the page's main thread) once it holds the features and the tail
    expect((await panel.waitFor((s) => s.pagePreview?.status?.where !== "loading" && s.pagePreview?.status != null, 120_000)).pagePreview!.status).toEqual({ where: "page", reason: null });
    // while dragging, the preview shows the model's draft tail run in the page; where the drag ends, the full frame (as with a server)
    await page.evaluate(() => {
      const frames: boolean[] = [];
      const sources: string[] = [];
      document.addEventListener("panda-preview-shown", (e) => {
        const { draft, source } = (e as CustomEvent<{ draft: boolean; source: string }>).detail;
        frames.push(draft);
        sources.push(source);
      });
      (window as unknown as { previewDrafts: boolean[]; sources: string[] }).previewDrafts = frames;
      (window as unknown as { previewDrafts: boolean[]; sources: string[] }).sources = sources;
    });
    await panel.dragStrength(0.7);
    await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
    const dragged = await panel.state();
    expect(dragged.error).toBeNull();
    expect(dragged.strength).toBeGreaterThan(0);
    const sources = await page.evaluate(() => (window as unknown as { sources: string[] }).sources);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((source) => source === "page")).toBe(true);
    expect(page.workers().map((w) => w.url())).toContain(`${siteUrl}tail-worker.js`);
    expect((await panel.layers()).filter((l) => l.name === "PandA preview")).toHaveLength(1);
    const drafts = await page.evaluate(() => (window as unknown as { previewDrafts: boolean[] }).previewDrafts);
    expect(drafts.filter((d) => d).length).toBeGreaterThan(0);
    expect(drafts.filter((d) => !d)).toHaveLength(1);
    expect(drafts.at(-1)).toBe(false);
    // the frame it rests on is the full edit at the parts refined for this image (those of its mask), byte for byte; a draft of
    // the same edit is the 64-px tail scaled up: the same size, other pixels; the edit at the global parts is another picture
    const rest = (await panel.layerPixels("PandA preview")).rgba;
    const [full, draft, atGlobalParts] = await page.evaluate(
      async ({ image, factorisation, part, strength }) => {
        const client = (window.pandaStudio!.panel!.model as unknown as { client: import("../../plugin/src/client/client").PandaClient }).client;
        const request = { factorisation, edits: [{ parts: [part], appearance: 0, strength }] };
        const frame = async (refine: boolean, quality?: "draft") => {
          const { width, height, rgba, draft } = await client.edit(image, { ...request, refine, ...(quality ? { quality } : {}) });
          return { width, height, rgba: Array.from(rgba), draft };
        };
        return [await frame(true), await frame(true, "draft"), await frame(false)];
      },
      { image: state.image!.id, factorisation: state.factorisationId!, part, strength: dragged.strength },
    );
    expect([full.draft, draft.draft, draft.width, draft.height]).toEqual([false, true, 256, 256]);
    expect(Buffer.compare(Buffer.from(rest), Buffer.from(full.rgba))).toBe(0);
    // (measured: 10.3 of 255 on average inside the part's mask)
    expect(meanChange(rest, atGlobalParts.rgba, mask).inside).toBeGreaterThan(4);
    expect(meanChange(draft.rgba, full.rgba, mask).inside).toBeGreaterThan(0.5);
    await screenshot(page, "static-2-preview");

    await panel.click("apply");
    expect((await panel.idle()).error).toBeNull();
    const names = (await panel.layers()).map((l) => l.name);
    expect(names).not.toContain("PandA preview");
    const editedName = names.find((n) => n.includes(`appearance 0 +${dragged.strength}`))!;
    expect(editedName).toBeDefined();
    const edited = await panel.layerPixels(editedName);
    expect(edited.mask).toEqual(mask);
    const change = meanChange(original.rgba, edited.rgba, mask);
    expect(change.inside).toBeGreaterThan(2);
    expect(change.inside).toBeGreaterThan(change.outside);
    await screenshot(page, "static-3-applied");

    // export: the PNG is the composite, the edit inside the part and the original outside it
    await page.getByTestId("menu-file").click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("cmd-export-png").click()]);
    const png = decodePng(readFileSync((await download.path())!));
    expect([png.width, png.height]).toEqual([256, 256]);
    const exported = Array.from(png.rgba);
    expect(meanChange(exported, edited.rgba, mask).inside).toBeLessThan(0.5);
    // both layers are masked to the part: outside it the export is transparent
    const alphaOutside = mask.flatMap((m, i) => (m === 0 ? [exported[i * 4 + 3]] : []));
    expect(Math.max(...alphaOutside)).toBe(0);

    expect(apiRequests).toEqual([]);
    // the page asks once per load whether a companion server serves it; the static server's 404 is the answer
    expect(new Set(failed)).toEqual(new Set(["404 /api/health"]));
    expect(browser.errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
  }, 300_000);
});

/** Opens `address`, checks the panel uses the server at `serverUrl` (not the page), and generates one image through it. */
async function generatesThroughServer(browser: TestBrowser, address: string, serverUrl: string): Promise<PanelDriver> {
  const generated: string[] = [];
  browser.page.on("request", (r) => r.url() === `${serverUrl}/api/generate` && generated.push(r.method()));
  await browser.page.goto(address);
  await browser.page.waitForFunction(() => window.pandaStudio?.panel != null);
  const panel = new PanelDriver(browser.page);
  const state = await panel.waitFor((s) => s.connection.status === "connected" && s.modelId !== null);
  expect(state.connection.engine).toBe("server");
  expect(state.connection.serverUrl).toBe(serverUrl);
  expect(state.connection.health?.version).not.toBe("in-browser");
  expect(await browser.page.locator('[data-action="discover"]').count()).toBe(1);
  await panel.fill("seed", "42");
  await panel.click("generate");
  // the server's first image opens the model's ONNX sessions
  expect((await panel.waitFor((s) => s.busy === null, 180_000)).error).toBeNull();
  expect(generated).toEqual(["POST"]);
  return panel;
}

test("served by the companion server, the same site uses the server", async () => {
  const data = tempDir("panda-data-");
  const server = await startTestServer({ webRoot: root, dataDir: data.dir, modelDirs: [DEFAULT_MODELS_DIR] });
  const browser = await launchBrowser();
  try {
    await generatesThroughServer(browser, server.url, server.url);
  } finally {
    await browser.close();
    await server.close();
    data.remove();
  }
}, 300_000);

describe("a companion server on another origin (?server=)", () => {
  let files: FastifyInstance;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let sitePort: number;
  const data = tempDir("panda-data-");

  beforeAll(async () => {
    files = await staticFileServer(root);
    await files.listen({ host: "127.0.0.1", port: 0 });
    sitePort = (files.server.address() as AddressInfo).port;
    // http://127.0.0.1:<site> is allowed; http://localhost:<site> is the same files on an origin that is not
    server = await startTestServer({ dataDir: data.dir, modelDirs: [DEFAULT_MODELS_DIR], allowedOrigins: [`http://127.0.0.1:${sitePort}`] });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await files?.close();
    data.remove();
  });

  test("an allowed site uses the server: generate over CORS and the job WebSocket", async () => {
    const browser = await launchBrowser();
    try {
      // a JSON POST to another origin: Chromium sends it only after the server answered its preflight
      const panel = await generatesThroughServer(browser, `http://127.0.0.1:${sitePort}/?server=${encodeURIComponent(server.url)}`, server.url);
      expect(await panel.layers()).toEqual([{ name: IMAGE, width: 256, height: 256, hasMask: false }]);
      const socket = await browser.page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url.replace(/^http/, "ws") + "/api/events");
            ws.onopen = () => (ws.close(), resolve("open"));
            ws.onerror = () => resolve("refused");
          }),
        server.url,
      );
      expect(socket).toBe("open");
      await screenshot(browser.page, "static-4-cross-origin-server");
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);

  test("the server named by ?server= is used for that visit, even where the panel remembers another address", async () => {
    const browser = await launchBrowser();
    try {
      // an address saved by an earlier visit (Server → Connect), where nothing listens now
      await browser.page.addInitScript(() => localStorage.setItem("panda-studio.serverUrl", "http://127.0.0.1:9"));
      await generatesThroughServer(browser, `http://127.0.0.1:${sitePort}/?server=${encodeURIComponent(server.url)}`, server.url);
      expect(await browser.page.evaluate(() => localStorage.getItem("panda-studio.serverUrl"))).toBe("http://127.0.0.1:9");
    } finally {
      await browser.close();
    }
  }, 300_000);

  test("a site on an origin the server does not allow runs the model itself and says how to allow it", async () => {
    const browser = await launchBrowser();
    try {
      const site = `http://localhost:${sitePort}`;
      await browser.page.goto(`${site}/?server=${encodeURIComponent(server.url)}`);
      await browser.page.waitForFunction(() => window.pandaStudio?.panel != null, undefined, { timeout: 60_000 });
      const panel = new PanelDriver(browser.page);
      const state = await panel.waitFor((s) => s.connection.status === "connected" && s.modelId !== null, 120_000);
      expect(state.connection.engine).toBe("browser");
      const reason = await browser.page.locator('[data-hint="server-unreachable"]').textContent();
      expect(reason).toBe(`The companion server at ${server.url} did not answer this page, so the model runs here. Is it running, started with "npm start -- --allow-origin ${site}"?`);
      await screenshot(browser.page, "static-5-server-not-allowed");
      await browser.page.setViewportSize({ width: 1024, height: 700 });
      await screenshot(browser.page, "static-5-server-not-allowed-1024x700");
      // the only errors: the refused probe (403 without CORS headers reads as a network error)
      expect(browser.errors.every((e) => /CORS|ERR_FAILED|403/.test(e))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
