import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { SessionFactory } from "../companion-server/src/runtime/execution-providers";
import { GeneratorRegistry } from "../companion-server/src/runtime/generator-registry";
import { releaseNow } from "../companion-server/src/util/release-memory";
import { sampleLatents } from "../companion-server/src/runtime/random";
const mem = (label: string) => {
  const s = readFileSync("/proc/self/status", "utf8");
  const rss = /VmRSS:\s+(\d+)/.exec(s)![1];
  const maps = readFileSync("/proc/self/smaps", "utf8").split("\n");
  const big: string[] = [];
  let range = "";
  for (const line of maps) {
    const m = /^([0-9a-f]+-[0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) range = `${m[1]} ${m[2]}`;
    const r = /^Rss:\s+(\d+)/.exec(line);
    if (r && Number(r[1]) > 15000) big.push(`${Math.round(Number(r[1]) / 1024)}M ${range.slice(-30)}`);
  }
  console.log(label, Math.round(Number(rss) / 1024), "MiB", big.join(" | "));
};
async function main() {
  const layer = process.argv[2] ?? "32x32";
  const batch = Number(process.argv[3] ?? 4);
  mem("start");
  const sessions = new SessionFactory();
  if (process.env.NOARENA) {
    const open = sessions.thread.open.bind(sessions.thread);
    sessions.thread.open = (model, options) => open(model, { ...options, enableCpuMemArena: false });
  }
  const registry = new GeneratorRegistry([resolve("/tmp/h10e/models")], sessions);
  const g = registry.get("stylegan2-256")!;
  mem("registry");
  const lat = sampleLatents("normal", 512, 1, 16);
  await g.head(layer, lat.subarray(0, 512), 1, 1);
  mem("head b1");
  await g.head(layer, lat.subarray(0, 512 * batch), batch, 1);
  mem(`head b${batch}`);
  for (let i = 0; i < 5; i++) {
    const o = await g.head(layer, lat.subarray(0, 512 * batch), batch, 1);
    releaseNow(o.features.buffer);
    mem(`head b${batch} again`);
  }
  const f = await g.head(layer, lat.subarray(0, 512), 1, 1);
  await g.tail(f);
  mem("tail b1");
  await g.release();
  mem("released");
  await registry.close();
}
main();
