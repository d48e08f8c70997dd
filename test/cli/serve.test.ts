/** `panda serve` as a user runs it: a real process, real port, clean shutdown on SIGTERM. */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { tempDir, tinyModelsDir } from "../helpers/server";

const BIN = join(__dirname, "..", "..", "companion-server", "bin", "panda.js");

function waitForReady(proc: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready at (http:\/\/[^/\s"]+)\//.exec(out);
      if (m) resolve(m[1]);
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

it("starts on the given port, serves, and shuts down cleanly on SIGTERM", async () => {
  const models = await tinyModelsDir();
  const data = tempDir("panda-data-");
  const proc = spawn(process.execPath, [BIN, "serve", "--port", "0", "--models", models.dir, "--quiet"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PANDA_DATA_DIR: data.dir } });
  try {
    const url = await waitForReady(proc);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await (await fetch(`${url}/api/health`)).json();
    expect(health).toMatchObject({ status: "ok", models: 1 });
    const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
    models.remove();
    data.remove();
  }
});

it.each([
  ["--max-jobs 1", ["--max-jobs", "1"], {}],
  ["PANDA_MAX_JOBS=1", [], { PANDA_MAX_JOBS: "1" }],
])("limits queued and running jobs with %s: the second job gets 429 naming the limit", async (_name, args, env) => {
  const models = await tinyModelsDir();
  const data = tempDir("panda-data-");
  const proc = spawn(process.execPath, [BIN, "serve", "--port", "0", "--models", models.dir, "--quiet", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PANDA_DATA_DIR: data.dir, ...env } });
  try {
    const url = await waitForReady(proc);
    const slow = { model: "tiny-test", layer: "4x4", parts: 4, appearances: 16, samples: 16, solver: "reference", iterations: 1000000 };
    const post = () => fetch(`${url}/api/factorisations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(slow) });
    expect((await post()).status).toBe(202);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect((await refused.json()).message).toMatch(/^1 factorisation jobs are queued or running \(the limit is 1\)/);
  } finally {
    proc.kill("SIGKILL");
    models.remove();
    data.remove();
  }
});

it.each([
  [["serve", "--max-jobs", "0"], /^panda: option '--max-jobs <n>' argument '0' is invalid\. expected a whole number 1…1000$/],
  [["serve", "--port", "http"], /^panda: option '--port <port>' argument 'http' is invalid\. a port is an integer 0…65535$/],
  [["serve", "--device", "tpu"], /^panda: option '--device <device>' argument 'tpu' is invalid\. unknown device "tpu"/],
  [["serve", "--allow-origin", "https://example.com/studio"], /^panda: option '--allow-origin <origin\.\.\.>' argument 'https:\/\/example\.com\/studio' is invalid\. "https:\/\/example\.com\/studio" is not an origin; write the site's scheme, host and port only/],
  [["frobnicate"], /^panda: unknown command 'frobnicate'/],
])("refuses %j with one readable line and a non-zero exit", (args, message) => {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  expect(res.status).not.toBe(0);
  expect(res.stderr.trim().split("\n")).toHaveLength(1);
  expect(res.stderr.trim()).toMatch(message);
});

it("refuses a PANDA_MAX_JOBS that is not a whole number with one readable line", () => {
  const res = spawnSync(process.execPath, [BIN, "serve", "--port", "0"], { encoding: "utf8", env: { ...process.env, PANDA_MAX_JOBS: "many" } });
  expect(res.status).not.toBe(0);
  expect(res.stderr.trim()).toBe("panda: PANDA_MAX_JOBS=many is invalid: expected a whole number 1…1000");
});
