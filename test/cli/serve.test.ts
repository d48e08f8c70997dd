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
  [["serve", "--port", "http"], /^panda: option '--port <port>' argument 'http' is invalid\. a port is an integer 0…65535$/],
  [["serve", "--device", "tpu"], /^panda: option '--device <device>' argument 'tpu' is invalid\. unknown device "tpu"/],
  [["frobnicate"], /^panda: unknown command 'frobnicate'/],
])("refuses %j with one readable line and a non-zero exit", (args, message) => {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  expect(res.status).not.toBe(0);
  expect(res.stderr.trim().split("\n")).toHaveLength(1);
  expect(res.stderr.trim()).toMatch(message);
});
