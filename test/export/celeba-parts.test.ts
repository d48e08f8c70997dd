/**
 * Bring your own GAN, end to end on a checkpoint this team did not train: the third party's
 * CelebA DCGAN (../shared/gans/celeba-dcgan-32) is exported through the CLI, served, generated
 * from, and factorised at its 8×8 layer by a job of the real server; its parts must be
 * face-aligned. Skipped with a message where ../shared or PyTorch is absent.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { readNpy } from "../../companion-server/src/engine/io/npy";
import { startTestServer, tempDir } from "../helpers/server";

const ROOT = join(__dirname, "..", "..");
const CHECKPOINT = join(ROOT, "..", "shared", "gans", "celeba-dcgan-32", "generator.pt");
const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch, onnx"]).status === 0;
const ready = existsSync(CHECKPOINT) && hasTorch;
if (!ready) console.warn(`celeba-dcgan-32 test skipped: ${existsSync(CHECKPOINT) ? "/usr/bin/python3 cannot import torch and onnx" : `${CHECKPOINT} is absent`}`);

(ready ? describe : describe.skip)("celeba-dcgan-32 through the exporter CLI, the server and the engine", () => {
  const models = tempDir("panda-celeba-");
  const data = tempDir("panda-celeba-data-");
  const bundle = join(models.dir, "celeba-dcgan-32");
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    const r = spawnSync("npm", ["run", "--silent", "export", "--", "--module", "models/export/examples/celeba_dcgan32.py:Generator", "--weights", CHECKPOINT, "--latent", "100:uniform", "--split", "generator_deconv.2=8x8", "--split", "generator_deconv.3=16x16", "--id", "celeba-dcgan-32", "--license", "Apache-2.0", "--out", bundle], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
    if (r.status !== 0) throw new Error(`export failed (${r.status}): ${r.stderr}`);
    server = await startTestServer({ modelDirs: [models.dir], dataDir: data.dir });
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    models.remove();
    data.remove();
  });

  it("serves the exported bundle and generates 32×32 faces", async () => {
    const info = await (await fetch(`${server.url}/api/models`)).json();
    expect(info.models[0]).toMatchObject({ id: "celeba-dcgan-32", image: { width: 32, height: 32 }, latent: { size: 100, distribution: "uniform" } });
    const res = await fetch(`${server.url}/api/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "celeba-dcgan-32", seed: 3 }) });
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([32, 32]);
  });

  it("finds face-aligned parts at the 8×8 layer", async () => {
    const started = await fetch(`${server.url}/api/factorisations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "celeba-dcgan-32", layer: "8x8", parts: 8, appearances: 64, samples: 256, seed: 1, name: "celeba-8x8" }),
    });
    expect(started.status).toBe(202);
    const { jobId } = await started.json();
    let job: { state: string } = { state: "queued" };
    for (let i = 0; i < 600 && (job.state === "queued" || job.state === "running"); i++) {
      await new Promise((r) => setTimeout(r, 250));
      job = await (await fetch(`${server.url}/api/jobs/${jobId}`)).json();
    }
    expect(job.state).toBe("finished");

    const saved = findFile(data.dir, "parts.npy");
    expect(saved).toBeDefined();
    const parts = readNpy(saved as string);
    expect(parts.shape).toEqual([64, 8]);
    // Share of each part's mass in a region of the 8×8 grid.
    const share = (k: number, inRegion: (y: number, x: number) => boolean) => {
      let inside = 0;
      let total = 0;
      for (let s = 0; s < 64; s++) {
        const v = Number(parts.data[s * 8 + k]);
        total += v;
        if (inRegion(Math.floor(s / 8), s % 8)) inside += v;
      }
      return total > 0 ? inside / total : 0;
    };
    const best = (inRegion: (y: number, x: number) => boolean) => Math.max(...Array.from({ length: 8 }, (_, k) => share(k, inRegion)));
    // A part on the hair/top of the head, one on each background side, one on the chin/neck,
    // and one on the central face rows (eyes to mouth).
    expect(best((y) => y <= 1)).toBeGreaterThan(0.6);
    expect(best((_y, x) => x === 0)).toBeGreaterThan(0.6);
    expect(best((_y, x) => x === 7)).toBeGreaterThan(0.6);
    expect(best((y) => y === 7)).toBeGreaterThan(0.6);
    expect(best((y, x) => y >= 3 && y <= 5 && x >= 1 && x <= 6)).toBeGreaterThan(0.6);
  }, 300_000);
});

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}
