/**
 * End-to-end helpers: the real companion server serving the built web editor, Chromium, and a
 * driver for the PandA panel that clicks and types like a user (selectors are the panel's
 * data-field / data-action / data-part / data-appearance attributes).
 */
import type { Page } from "playwright-core";
import type { PanelState } from "../../plugin/src/model/state";
import { ensureWebBuild, launchBrowser, TestBrowser } from "../helpers/browser";
import { startTestServer, tempDir } from "../helpers/server";

export interface Studio {
  page: Page;
  browser: TestBrowser;
  serverUrl: string;
  panel: PanelDriver;
  /** stops the server only (the page stays open), for the server-down journey */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

/** A part's mask straight from the server, fetched by the page (8-bit gray bytes); `options` adds request fields. */
export function fetchPartMask(page: Page, image: string, factorisation: string, part: number, options: Record<string, unknown> = {}): Promise<number[]> {
  return page.evaluate(
    async ({ image, body }) => {
      const response = await fetch(`/api/images/${image}/masks`, {
        method: "POST",
        headers: { accept: "application/octet-stream", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return Array.from(new Uint8Array(await response.arrayBuffer()));
    },
    { image, body: { factorisation, parts: [part], ...options } },
  );
}

/**
 * The editor at a fresh server: a fresh tiny bundle unless `modelDirs` names others, and an empty
 * data folder. The live preview is the server's unless `pagePreview` (page-preview.browser.test.ts
 * tests the page's): these journeys compare previews with the server's pixels exactly.
 */
export async function openStudio(options: { modelDirs?: string[]; pagePreview?: boolean } = {}): Promise<Studio> {
  const data = tempDir("panda-data-");
  const server = await startTestServer({ webRoot: ensureWebBuild(), dataDir: data.dir, ...(options.modelDirs ? { modelDirs: options.modelDirs } : {}) });
  const browser = await launchBrowser();
  // the first visit's preference only: a reload keeps what the panel remembered since
  if (!options.pagePreview) await browser.page.addInitScript(() => localStorage.getItem("panda-studio.preferences") ?? localStorage.setItem("panda-studio.preferences", JSON.stringify({ pagePreview: false })));
  await browser.page.goto(server.url);
  const panel = new PanelDriver(browser.page);
  await panel.waitFor((s) => s.connection.status === "connected" && s.modelId !== null);
  let serverOpen = true;
  const stopServer = async () => {
    if (serverOpen) await server.close();
    serverOpen = false;
  };
  return {
    page: browser.page,
    browser,
    serverUrl: server.url,
    panel,
    stopServer,
    close: async () => {
      await browser.close();
      await stopServer();
      data.remove();
    },
  };
}

export interface LayerSummary {
  name: string;
  width: number;
  height: number;
  hasMask: boolean;
}

export interface LayerPixels {
  rgba: number[];
  /** the layer mask, or null */
  mask: number[] | null;
}

export class PanelDriver {
  constructor(private readonly page: Page) {}

  async fill(field: string, value: string): Promise<void> {
    await this.page.locator(`[data-field="${field}"] input`).fill(value);
  }

  async click(action: string): Promise<void> {
    await this.page.locator(`[data-action="${action}"]`).click();
  }

  async pickPart(index: number): Promise<void> {
    await this.page.locator(`[data-part="${index}"]`).click();
  }

  /** Waits until the appearances being loaded (after a part click) are shown. */
  async appearancesShown(): Promise<void> {
    await this.page.evaluate(() => window.pandaStudio!.panel!.model.appearancesIdle());
  }

  /** Picks an option of a panel picker, as a user does. */
  async choose(field: string, value: string): Promise<void> {
    await this.page.locator(`[data-field="${field}"]`).click();
    await this.page.locator(`[data-field="${field}"] sp-menu-item[value="${value}"]`).click();
  }

  /**
   * Clicks appearance `index`; with parts picked the browser ranks them, so when it is not on the
   * first page the order goes to "By number" and pages load until it shows (as a user would look for it).
   */
  async pickAppearance(index: number): Promise<void> {
    await this.appearancesShown();
    const thumb = this.page.locator(`[data-appearance="${index}"]`);
    if ((await thumb.count()) === 0) {
      await this.choose("appearance-order", "number");
      await this.waitFor((s) => s.appearanceOrder === "number");
      await this.appearancesShown();
      while ((await thumb.count()) === 0) {
        await this.click("more-appearances");
        await this.idle();
      }
    }
    await this.page.locator(`[data-appearance="${index}"] img`).waitFor();
    await thumb.click();
  }

  /** Drags the strength slider's handle from the centre (0) towards `fraction` of the way to the right end (1) or left end (−1). */
  async dragStrength(fraction: number, steps = 20, options: { shift?: boolean } = {}): Promise<void> {
    const track = this.page.locator('[data-field="strength"] #controls');
    await track.scrollIntoViewIfNeeded();
    const box = await track.boundingBox();
    if (!box) throw new Error("the strength slider is not visible");
    const y = box.y + box.height / 2;
    const centre = box.x + box.width / 2;
    await this.page.mouse.move(centre, y);
    if (options.shift) await this.page.keyboard.down("Shift");
    await this.page.mouse.down();
    await this.page.mouse.move(centre + (fraction * box.width) / 2, y, { steps });
    await this.page.mouse.up();
    if (options.shift) await this.page.keyboard.up("Shift");
  }

  state(): Promise<PanelState> {
    return this.page.evaluate(() => window.pandaStudio!.panel!.model.state);
  }

  /** Waits until the panel's state satisfies `predicate` (evaluated here, polled). */
  async waitFor(predicate: (state: PanelState) => boolean, timeoutMs = 60000): Promise<PanelState> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.state();
      if (predicate(state)) return state;
      if (Date.now() > end) throw new Error(`the panel did not reach the expected state; it is: ${JSON.stringify({ busy: state.busy, error: state.error, notice: state.notice, job: state.job })}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the action in progress has ended; returns the state (its error or notice). */
  idle(): Promise<PanelState> {
    return this.waitFor((s) => s.busy === null && s.job === null);
  }

  /**
   * Generates `seed`, then discovers parts as a user does (parts and samples typed, Discover); the
   * state once idle. Either step ending with an error fails with that error.
   */
  async generateAndDiscover(seed: number, options: { parts: number; samples: number }): Promise<PanelState> {
    await this.fill("seed", String(seed));
    await this.click("generate");
    const generated = await this.idle();
    if (generated.error !== null) throw new Error(`generating seed ${seed} failed: ${generated.error}`);
    await this.fill("parts", String(options.parts));
    await this.fill("samples", String(options.samples));
    await this.click("discover");
    const discovered = await this.idle();
    if (discovered.error !== null) throw new Error(`discovering ${options.parts} parts from ${options.samples} samples failed: ${discovered.error}`);
    return discovered;
  }

  async messageText(kind: "error" | "notice"): Promise<string> {
    return (await this.page.locator(`[data-message="${kind}"]`).textContent())?.trim() ?? "";
  }

  layers(): Promise<LayerSummary[]> {
    return this.page.evaluate(() =>
      (window.pandaStudio!.app.store.doc?.layers ?? []).map((l) => ({ name: l.name, width: l.pixels.width, height: l.pixels.height, hasMask: l.mask !== null })),
    );
  }

  layerPixels(name: string): Promise<LayerPixels> {
    return this.page.evaluate((wanted) => {
      const layer = window.pandaStudio!.app.store.doc!.layers.find((l) => l.name === wanted);
      if (!layer) throw new Error(`no layer "${wanted}"`);
      return { rgba: Array.from(layer.pixels.rgba), mask: layer.mask ? Array.from(layer.mask.image.gray) : null };
    }, name);
  }

  selection(): Promise<number[] | null> {
    return this.page.evaluate(() => {
      const selection = window.pandaStudio!.app.store.doc?.selection;
      return selection ? Array.from(selection.gray) : null;
    });
  }
}

/** Mean absolute RGB change inside and outside a mask. */
export function meanChange(a: number[], b: number[], mask: number[]): { inside: number; outside: number } {
  const sums = { inside: 0, outside: 0 };
  const counts = { inside: 0, outside: 0 };
  mask.forEach((m, i) => {
    const where = m >= 128 ? "inside" : "outside";
    counts[where]++;
    for (let c = 0; c < 3; c++) sums[where] += Math.abs(a[i * 4 + c] - b[i * 4 + c]);
  });
  return { inside: sums.inside / Math.max(1, counts.inside * 3), outside: sums.outside / Math.max(1, counts.outside * 3) };
}
