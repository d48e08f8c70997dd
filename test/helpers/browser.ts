/**
 * Browser tests: Debian's Chromium driven by playwright-core, against the real companion server
 * serving the built web editor (dist/web, rebuilt here when a source is newer than the build).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { BrowserContext, ConsoleMessage, Page, chromium } from "playwright-core";
import { tempDir } from "./server";

const ROOT = resolve(__dirname, "..", "..");
export const WEB_ROOT = join(ROOT, "dist", "web");
export const CHROMIUM = process.env.PANDA_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(ROOT, "test", "screenshots");
const WEB_SOURCES = [join(ROOT, "plugin", "src"), join(ROOT, "plugin", "web"), join(ROOT, "plugin", "webpack", "web.config.js"), join(ROOT, "package-lock.json")];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

/** Builds dist/web unless it is newer than every source of the web build. */
export function ensureWebBuild(): string {
  const index = join(WEB_ROOT, "index.html");
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0;
  const sourcesAt = Math.max(...WEB_SOURCES.filter(existsSync).map(newestMtime));
  if (builtAt < sourcesAt) {
    execFileSync(process.execPath, [require.resolve("webpack-cli/bin/cli.js"), "--config", join(ROOT, "plugin", "webpack", "web.config.js")], { cwd: ROOT, stdio: "pipe" });
  }
  return WEB_ROOT;
}

export const STATIC_ROOT = join(ROOT, "dist", "static");
/** the standalone site also carries the server's shared maths, the site script and the default bundle */
const STATIC_SOURCES = [...WEB_SOURCES, join(ROOT, "companion-server", "src"), join(ROOT, "scripts", "build-static.ts"), join(ROOT, "models", "synthfaces", "model.json")];

/** Builds dist/static (npm run build:static) unless it is newer than every source of it. */
export function ensureStaticBuild(): string {
  const site = join(STATIC_ROOT, "panda-site.json");
  const builtAt = existsSync(site) ? statSync(site).mtimeMs : 0;
  if (builtAt < Math.max(...STATIC_SOURCES.filter(existsSync).map(newestMtime))) {
    execFileSync(process.execPath, [require.resolve("tsx/cli"), join(ROOT, "scripts", "build-static.ts")], { cwd: ROOT, stdio: "pipe" });
  }
  return STATIC_ROOT;
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions of the page, for tests to assert there are none */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile, one page, downloads allowed. */
export async function launchBrowser(viewport = { width: 1440, height: 900 }): Promise<TestBrowser> {
  const profile = tempDir("panda-chromium-");
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    viewport,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`uncaught: ${err.message}`));
  page.on("console", (message: ConsoleMessage) => message.type() === "error" && errors.push(`console: ${message.text()}`));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      profile.remove();
    },
  };
}

/** Saves a screenshot as test/screenshots/<name>.png (kept out of git) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
