/**
 * The two engines behind the panel give the same pixels: the companion server (onnxruntime-node,
 * over HTTP) and the in-browser engine (onnxruntime-web's WebAssembly build, run in a Node process
 * by in-browser-calls.ts, on the bundle files the static site carries, fetched by URL). Both run
 * the same PandA code (ImageParts: masks with edge-aware upsampling, parts refined per image,
 * saliency, edits, removal),
 * so what may differ is float rounding in the two runtimes' kernels: a few 8-bit levels.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODELS_DIR } from "../../../companion-server/src/cli/paths";
import { HttpPandaClient } from "../../../plugin/src/client/http-client";
import { SITE_FORMAT, SiteFile, SiteManifest } from "../../../plugin/src/engine/static-site";
import { copyBundle } from "../../../scripts/build-static";
import { startTestServer, tempDir } from "../../helpers/server";
import { FACTORISATION, SEED } from "./parity-calls";

type Refusal = { kind: string | null; code: string | null; message: string } | null;
interface Answers {
  image: string;
  info: Record<string, unknown>;
  models: unknown[];
  factorisation: Record<string, unknown> & { contactSheet: string | null };
  factorisationIds: string[];
  thumbnails: { colour: unknown; coverage: number }[];
  masks: { binary: string; soft: string; refinedBinary: string; refinedSoft: string };
  refinedCoverage: number[];
  refinedEdit: string;
  saliency: { heat: string; mask: string }[];
  edit: string;
  removal: string;
  refusals: Record<"discover" | "part" | "model" | "image", Refusal>;
  health: { device: { active: string } };
  progress: { loaded: number; total: number };
  fetched: string[];
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let http: HttpPandaClient;
let serverImage: string;
let browser: Answers;
const work = tempDir("panda-site-");

beforeAll(async () => {
  server = await startTestServer({ modelDirs: [DEFAULT_MODELS_DIR] });
  http = new HttpPandaClient(server.url);
  serverImage = (await http.generate({ model: "synthfaces", seed: SEED })).id;
  // the bundle as build:static lays it out
  const files: Record<string, SiteFile> = {};
  const model = copyBundle(files, work.dir, DEFAULT_MODELS_DIR, "synthfaces");
  const site: SiteManifest = { format: SITE_FORMAT, ort: "ort/", models: [model], files };
  writeFileSync(join(work.dir, "site.json"), JSON.stringify(site));
  const out = join(work.dir, "answers.json");
  execFileSync(process.execPath, [require.resolve("tsx/cli"), join(__dirname, "in-browser-calls.ts"), work.dir, join(work.dir, "site.json"), out], { stdio: "pipe" });
  browser = JSON.parse(readFileSync(out, "utf8")) as Answers;
}, 300_000);
afterAll(async () => {
  await server?.close();
  work.remove();
});

const decode = (base64: string) => new Uint8Array(Buffer.from(base64, "base64"));

/** How far apart two 8-bit images are: the largest difference and the share of values that differ. */
function levels(a: Uint8Array, b: Uint8Array): { max: number; differing: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    if (d > 0) differing++;
  }
  return { max, differing: differing / a.length };
}

test("the same seed gives the same image, model description and shipped parts", async () => {
  const served = await http.generate({ model: "synthfaces", seed: SEED });
  expect(levels(served.image.rgba, decode(browser.image)).max).toBeLessThanOrEqual(2);
  expect(browser.info).toEqual({ ...(await http.imageInfo(served.id)), id: browser.info.id });
  expect(browser.models).toEqual([(await http.models()).find((m) => m.id === "synthfaces")]);
  const detail = await http.factorisation(FACTORISATION);
  // the server keeps the user's notes and chosen set; the page shows the shipped set as it is
  expect({ ...browser.factorisation, contactSheet: null, default: false }).toEqual({ ...detail, contactSheet: null, default: false });
  expect(browser.factorisation.contactSheet).toMatch(/^http:\/\/site\.test\/models\/synthfaces\/factorisations\/synthfaces-8x8\/contact-sheet\.png\?v=[0-9a-f]{16}$/);
  expect([...browser.factorisationIds].sort()).toEqual((await http.factorisations({ model: "synthfaces" })).map((f) => f.id).sort());
  expect(browser.health.device.active).toBe("in this browser (WebAssembly)");
});

test("downloads report progress up to every byte fetched, each file once, versioned by its hash", () => {
  expect(browser.progress.loaded).toBe(browser.progress.total);
  const headAndTail = ["8x8/head.onnx", "8x8/tail.onnx"].reduce((sum, f) => sum + readFileSync(join(DEFAULT_MODELS_DIR, "synthfaces", f)).length, 0);
  expect(browser.progress.total).toBeGreaterThan(headAndTail);
  expect(new Set(browser.fetched).size).toBe(browser.fetched.length);
  expect(browser.fetched.every((u) => /\?v=[0-9a-f]{16}$/.test(u))).toBe(true);
});

test("part coverage and masks (edge-aware upsampling, soft and binary) match", async () => {
  const thumbs = await http.partThumbnails(serverImage, FACTORISATION);
  expect(browser.thumbnails.map((p) => p.colour)).toEqual(thumbs.parts.map((p) => p.colour));
  browser.thumbnails.forEach((p, k) => expect(p.coverage).toBeCloseTo(thumbs.parts[k].coverage, 2));
  const binary = await http.partMask(serverImage, { factorisation: FACTORISATION, parts: [1, 4], kind: "binary" });
  expect(levels(binary.gray, decode(browser.masks.binary)).differing).toBeLessThan(0.002); // argmax ties may flip a few edge pixels
  const soft = await http.partMask(serverImage, { factorisation: FACTORISATION, parts: [1, 4], kind: "soft" });
  expect(levels(soft.gray, decode(browser.masks.soft)).max).toBeLessThanOrEqual(2);
  expect(binary.gray.some((v) => v === 255) && binary.gray.some((v) => v === 0)).toBe(true);
});

test("parts refined for the image (clustering, then the colour fit) give the server's refined masks, coverage and edits", async () => {
  const binary = await http.partMask(serverImage, { factorisation: FACTORISATION, parts: [1, 4], kind: "binary", refine: true });
  const global = await http.partMask(serverImage, { factorisation: FACTORISATION, parts: [1, 4], kind: "binary" });
  // refinement moves the boundary (else this test could not tell refined from global masks) …
  expect(levels(binary.gray, global.gray).differing).toBeGreaterThan(0.01);
  // … and both engines move it alike
  expect(levels(binary.gray, decode(browser.masks.refinedBinary)).differing).toBeLessThan(0.002);
  const soft = await http.partMask(serverImage, { factorisation: FACTORISATION, parts: [1, 4], kind: "soft", refine: true });
  expect(levels(soft.gray, decode(browser.masks.refinedSoft)).max).toBeLessThanOrEqual(2);
  const thumbs = await http.partThumbnails(serverImage, FACTORISATION, { refine: true });
  browser.refinedCoverage.forEach((c, k) => expect(c).toBeCloseTo(thumbs.parts[k].coverage, 2));
  const edited = await http.edit(serverImage, { factorisation: FACTORISATION, edits: [{ parts: [1], appearance: 0, strength: 2 }], refine: true });
  const same = levels(edited.rgba, decode(browser.refinedEdit));
  expect(same.max).toBeLessThanOrEqual(3);
  expect(same.differing).toBeLessThan(0.05);
});

test("saliency heat maps and masks match", async () => {
  for (const [i, appearance] of [0, 5].entries()) {
    const source = { factorisation: FACTORISATION, appearance };
    expect(levels((await http.saliencyHeat(serverImage, source)).gray, decode(browser.saliency[i].heat)).max).toBeLessThanOrEqual(2);
    expect(levels((await http.saliencyMask(serverImage, source)).gray, decode(browser.saliency[i].mask)).differing).toBeLessThan(0.002);
  }
});

test("an edit and a removal through each runtime's tail match, and change the image", async () => {
  const edited = await http.edit(serverImage, { factorisation: FACTORISATION, edits: [{ parts: [1], appearance: 0, strength: 2 }] });
  const same = levels(edited.rgba, decode(browser.edit));
  expect(same.max).toBeLessThanOrEqual(3);
  expect(same.differing).toBeLessThan(0.05);
  expect(levels(decode(browser.image), decode(browser.edit)).max).toBeGreaterThan(20);
  const removed = await http.removal(serverImage, { factorisation: FACTORISATION, parts: [1], method: "feature" });
  expect(levels(removed.rgba, decode(browser.removal)).max).toBeLessThanOrEqual(3);
});

test("what needs the server is refused with how to start it; bad requests are named", () => {
  expect(browser.refusals.discover).toMatchObject({ kind: "needs-server", message: expect.stringContaining("npm start") });
  expect(browser.refusals.part?.message).toBe("there is no part 8; this factorisation has 8 parts (0 … 7)");
  expect(browser.refusals.model?.message).toBe('unknown model "stylegan2-ffhq"; this page carries "synthfaces" (other models need the companion server)');
  expect(browser.refusals.image).toMatchObject({ code: "UNKNOWN_IMAGE" });
});
