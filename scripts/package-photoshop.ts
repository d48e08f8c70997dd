/**
 * Packs the built Photoshop plugin (dist/photoshop, from `npm run build:photoshop`) into an
 * installable .ccx: a zip with manifest.json at its root. Entries are sorted and dated 1980-01-01
 * so the same build always gives the same file.
 *
 *   npm run package:photoshop            → dist/panda-studio-photoshop-<version>.ccx
 */
import JSZip from "jszip";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const FIXED_DATE = new Date(Date.UTC(1980, 0, 1));

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? listFiles(dir, path.posix.join(prefix, e.name)) : [path.posix.join(prefix, e.name)])),
  );
  return nested.flat().sort();
}

/** Zips `pluginDir` into `outFile`; returns the paths inside the package. */
export async function packagePhotoshopPlugin(pluginDir: string, outFile: string): Promise<string[]> {
  if (!existsSync(path.join(pluginDir, "manifest.json"))) {
    throw new Error(`${pluginDir} has no manifest.json; run \`npm run build:photoshop\` first`);
  }
  const zip = new JSZip();
  const files = await listFiles(pluginDir);
  for (const file of files) zip.file(file, await readFile(path.join(pluginDir, file)), { date: FIXED_DATE, createFolders: false });
  const data = await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", platform: "UNIX" });
  await writeFile(outFile, data);
  return files;
}

async function main(): Promise<void> {
  const dist = path.resolve(__dirname, "..", "dist");
  const pluginDir = path.join(dist, "photoshop");
  const manifestFile = path.join(pluginDir, "manifest.json");
  const version = existsSync(manifestFile) ? JSON.parse(await readFile(manifestFile, "utf8")).version : "unbuilt";
  const outFile = path.join(dist, `panda-studio-photoshop-${version}.ccx`);
  const files = await packagePhotoshopPlugin(pluginDir, outFile);
  console.log(`${path.relative(process.cwd(), outFile)}: ${files.length} files. Double-click it to install with Creative Cloud.`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
