/**
 * Installing (README, Install): npm reads the project's configuration without warnings, and
 * `npm install` stays offline-safe because onnxruntime-node's install script — its CUDA download —
 * is denied in package.json's allowScripts (npm 11) rather than skipped by an .npmrc key npm 11
 * warns about on every command.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

test("npm commands print no configuration warnings", () => {
  const r = spawnSync("npm", ["pkg", "get", "name"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toBe("panda-studio");
  expect(r.stderr).not.toMatch(/Unknown (project|env|user|global|cli) config/);
});

test("onnxruntime-node's CUDA download is denied; esbuild's binary check is allowed", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  expect(pkg.allowScripts).toMatchObject({ "onnxruntime-node": false, esbuild: true });
  const npmrc = join(ROOT, ".npmrc");
  if (existsSync(npmrc)) expect(readFileSync(npmrc, "utf8")).not.toMatch(/^\s*onnxruntime-node-install/m);
});
