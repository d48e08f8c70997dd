/**
 * The Photoshop plugin as the UXP Developer Tool and Creative Cloud see it: one build, run the way
 * `npm run build:photoshop` runs it (webpack's CLI, in its own process) for a non-default server to
 * prove that PANDA_SERVER_URL reaches the manifest; checked like a manifest v5 validator would, a
 * bundle without code generation from strings, and the .ccx package.
 */
import JSZip from "jszip";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { execFileSync } from "node:child_process";
import type { StatsCompilation, StatsModule } from "webpack";
import { packagePhotoshopPlugin } from "../../scripts/package-photoshop";

const ROOT = path.resolve(__dirname, "..", "..");
const SERVER_URL = "http://panda-box.local:9100";
let work: string;
let out: string;
let bundled: string[];

interface Icon {
  width: number;
  height: number;
  path: string;
  scale: number[];
  theme?: string[];
}

/** Runs the photoshop webpack configuration into `outDir`; returns webpack's stats. */
function build(serverUrl: string, outDir: string): StatsCompilation {
  const statsFile = path.join(path.dirname(outDir), "stats.json");
  const cli = require.resolve("webpack-cli/bin/cli.js");
  const args = [cli, "--config", "plugin/webpack/photoshop.config.js", "--output-path", outDir, "--json", statsFile];
  execFileSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, PANDA_SERVER_URL: serverUrl }, stdio: "pipe" });
  return JSON.parse(readFileSync(statsFile, "utf8"));
}

const read = (file: string) => readFileSync(path.join(out, file));
const manifest = () => JSON.parse(read("manifest.json").toString("utf8"));

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "panda-photoshop-"));
  out = path.join(work, "photoshop");
  const stats = build(SERVER_URL, out);
  const names = (modules: StatsModule[] = []): string[] => modules.flatMap((m) => [m.name ?? "", ...names(m.modules)]);
  bundled = names(stats.modules);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the build holds what the UXP Developer Tool loads: manifest.json, index.html, one index.js, icons", () => {
  expect(readdirSync(out).sort()).toEqual(["icons", "index.html", "index.js", "manifest.json"]);
  expect(read("index.html").toString()).toContain('<script src="index.js"></script>');
});

describe("manifest.json is a valid v5 manifest", () => {
  test("version, id, main and host: Photoshop 24.4 or later, API version 2", () => {
    const m = manifest();
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(m.manifestVersion).toBe(5);
    expect(m.id).toMatch(/^[\w.-]+$/);
    expect(typeof m.name).toBe("string");
    expect(m.version).toBe(pkg.version);
    expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(path.join(out, m.main))).toBe(true);
    const hosts = Array.isArray(m.host) ? m.host : [m.host];
    const photoshop = hosts.find((h: { app: string }) => h.app === "PS");
    expect(photoshop).toBeDefined();
    expect(versionAtLeast(photoshop.minVersion, "24.4.0")).toBe(true);
    expect(photoshop.data).toEqual({ apiVersion: 2 });
  });

  test("one panel entry point, with a label, sizes and icons; Spectrum Web Components enabled", () => {
    const m = manifest();
    expect(m.featureFlags).toEqual({ enableSWCSupport: true });
    const panels = m.entrypoints.filter((e: { type: string }) => e.type === "panel");
    expect(panels).toHaveLength(1);
    const [panel] = panels;
    expect(panel.id).toBe("panda");
    expect(typeof panel.label.default).toBe("string");
    for (const key of ["minimumSize", "maximumSize", "preferredDockedSize", "preferredFloatingSize"]) {
      expect(panel[key].width).toBeGreaterThan(0);
      expect(panel[key].height).toBeGreaterThan(0);
    }
    expect(panel.icons.length).toBeGreaterThan(0);
  });

  test("every icon exists at every scale, as a PNG of the stated size", () => {
    const m = manifest();
    const icons: Icon[] = [...m.icons, ...m.entrypoints.flatMap((e: { icons?: Icon[] }) => e.icons ?? [])];
    expect(m.icons.some((i: Icon & { species?: string[] }) => i.species?.includes("pluginList"))).toBe(true);
    for (const icon of icons) {
      for (const scale of icon.scale) {
        const file = scale === 1 ? icon.path : icon.path.replace(/\.png$/, `@${scale}x.png`);
        const png = PNG.sync.read(read(file));
        expect([file, png.width, png.height]).toEqual([file, icon.width * scale, icon.height * scale]);
      }
    }
  });

  test("network permissions list exactly the configured server's http and ws origins", () => {
    const m = manifest();
    expect(m.requiredPermissions.network.domains).toEqual(["http://panda-box.local:9100", "ws://panda-box.local:9100"]);
    expect(m.requiredPermissions.allowCodeGenerationFromStrings).toBeUndefined();
    expect(m.requiredPermissions.localFileSystem).toBe("plugin");
  });
});

describe("index.js", () => {
  const bundle = () => read("index.js").toString("utf8");

  test("generates no code from strings (UXP refuses it): no eval, no new Function, no string timers", () => {
    const code = bundle();
    expect(code).not.toMatch(/\beval\s*\(/);
    expect(code).not.toMatch(/\bnew\s+Function\s*\(/);
    expect(code).not.toMatch(/\bFunction\s*\(\s*["'`]/);
    expect(code).not.toMatch(/\bset(Timeout|Interval)\s*\(\s*["'`]/);
  });

  test("takes the panel's Spectrum components from the UXP wrappers, leaving UXP's built-in widgets alone", () => {
    const from = (prefix: string) => bundled.filter((name) => name.includes(`node_modules/${prefix}`));
    expect(from("@swc-uxp-wrappers/button/")).not.toEqual([]);
    expect(from("@swc-uxp-internal/theme/")).not.toEqual([]);
    for (const builtin of ["picker", "slider", "textfield", "help-text", "progress-bar"]) {
      expect(from(`@spectrum-web-components/${builtin}/`)).toEqual([]);
    }
    expect(from("@spectrum-web-components/button/")).toEqual([]);
  });

  test("takes photoshop and uxp from UXP at run time and the server address from the build", () => {
    const code = bundle();
    expect(code).toContain('require("photoshop")');
    expect(code).toContain('require("uxp")');
    expect(code).not.toMatch(/executeAsModal\s*\(\s*targetFunction/); // Photoshop's own code is not bundled
    expect(code).toContain(JSON.stringify(SERVER_URL));
    expect(code).not.toContain("process.env");
  });
});

test("the .ccx is a zip of the build with manifest.json at its root, the same bytes for the same build", async () => {
  const ccx = path.join(work, "panda.ccx");
  const files = await packagePhotoshopPlugin(out, ccx);
  const zip = await JSZip.loadAsync(readFileSync(ccx));
  const entries = Object.values(zip.files).filter((f) => !f.dir).map((f) => f.name).sort();
  expect(entries).toEqual(files);
  expect(entries).toEqual(expect.arrayContaining(["manifest.json", "index.html", "index.js", "icons/plugin.png"]));
  expect(await zip.file("manifest.json")!.async("nodebuffer")).toEqual(read("manifest.json"));

  const again = path.join(work, "again.ccx");
  await packagePhotoshopPlugin(out, again);
  expect(readFileSync(again)).toEqual(readFileSync(ccx));
});

test("packaging without a build says what to run", async () => {
  await expect(packagePhotoshopPlugin(path.join(work, "missing"), path.join(work, "x.ccx"))).rejects.toThrow(
    "npm run build:photoshop",
  );
  expect(readdirSync(work)).not.toContain("x.ccx");
});
