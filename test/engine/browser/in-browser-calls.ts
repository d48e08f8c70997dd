/**
 * Runs the in-browser engine (InBrowserPandaClient on onnxruntime-web's WebAssembly build) in a
 * plain Node process — jest's module sandbox cannot host ORT Web, which loads its WebAssembly glue
 * with a dynamic import() — over a site folder laid out by build:static, fetched by URL. Makes the
 * calls engine-parity.test.ts compares with the server and writes their answers as JSON.
 *
 *   tsx test/engine/browser/in-browser-calls.ts <site dir> <panda-site.json> <answers.json>
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ortWeb from "onnxruntime-web";
import { BundleFiles, DownloadProgress } from "../../../plugin/src/engine/bundle-files";
import { InBrowserPandaClient } from "../../../plugin/src/engine/in-browser-client";
import { configureOrt } from "../../../plugin/src/engine/ort-web";
import type { SiteManifest } from "../../../plugin/src/engine/static-site";
import { FACTORISATION, SEED, SITE } from "./parity-calls";

async function main(): Promise<void> {
  const [siteDir, siteFile, out] = process.argv.slice(2);
  const site = JSON.parse(readFileSync(siteFile, "utf8")) as SiteManifest;
  const fetched: string[] = [];
  const progress: DownloadProgress[] = [];
  const fetchFile = async (url: string) => {
    fetched.push(url);
    try {
      return new Response(readFileSync(join(siteDir, new URL(url).pathname)));
    } catch {
      return new Response("not found", { status: 404, statusText: "Not Found" });
    }
  };
  configureOrt(ortWeb, null);
  const client = new InBrowserPandaClient({
    siteUrl: SITE,
    site,
    files: new BundleFiles({ siteUrl: SITE, files: site.files, fetch: fetchFile, cache: null, onProgress: (p) => progress.push(p) }),
    ort: async () => ({ ort: ortWeb, backend: "wasm", executionProviders: ["wasm"] }),
  });
  const bytes = (a: Uint8Array) => Buffer.from(a).toString("base64");
  const refused = (p: Promise<unknown>) => p.then(() => null, (e: { kind?: string; code?: string; message: string }) => ({ kind: e.kind ?? null, code: e.code ?? null, message: e.message }));

  const generated = await client.generate({ model: "synthfaces", seed: SEED });
  const id = generated.id;
  const answers = {
    image: bytes(generated.image.rgba),
    info: await client.imageInfo(id),
    models: await client.models(),
    factorisation: await client.factorisation(FACTORISATION),
    factorisationIds: (await client.factorisations({ model: "synthfaces" })).map((f) => f.id),
    thumbnails: (await client.partThumbnails(id, FACTORISATION)).parts.map((p) => ({ colour: p.colour, coverage: p.coverage })),
    masks: {
      binary: bytes((await client.partMask(id, { factorisation: FACTORISATION, parts: [1, 4], kind: "binary" })).gray),
      soft: bytes((await client.partMask(id, { factorisation: FACTORISATION, parts: [1, 4], kind: "soft" })).gray),
      refinedBinary: bytes((await client.partMask(id, { factorisation: FACTORISATION, parts: [1, 4], kind: "binary", refine: true })).gray),
      refinedSoft: bytes((await client.partMask(id, { factorisation: FACTORISATION, parts: [1, 4], kind: "soft", refine: true })).gray),
    },
    refinedCoverage: (await client.partThumbnails(id, FACTORISATION, { refine: true })).parts.map((p) => p.coverage),
    refinedEdit: bytes((await client.edit(id, { factorisation: FACTORISATION, edits: [{ parts: [1], appearance: 0, strength: 2 }], refine: true })).rgba),
    saliency: await Promise.all(
      [0, 5].map(async (appearance) => ({
        heat: bytes((await client.saliencyHeat(id, { factorisation: FACTORISATION, appearance })).gray),
        mask: bytes((await client.saliencyMask(id, { factorisation: FACTORISATION, appearance })).gray),
      })),
    ),
    edit: bytes((await client.edit(id, { factorisation: FACTORISATION, edits: [{ parts: [1], appearance: 0, strength: 2 }] })).rgba),
    removal: bytes((await client.removal(id, { factorisation: FACTORISATION, parts: [1], method: "feature" })).rgba),
    refusals: {
      discover: await refused(client.startFactorisation({ model: "synthfaces", parts: 8, appearances: 256 })),
      part: await refused(client.partMask(id, { factorisation: FACTORISATION, parts: [8] })),
      model: await refused(client.generate({ model: "stylegan2-ffhq" })),
      image: await refused(client.imageInfo("browser-999")),
    },
    health: await client.health(),
    progress: progress[progress.length - 1],
    fetched,
  };
  writeFileSync(out, JSON.stringify(answers));
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
