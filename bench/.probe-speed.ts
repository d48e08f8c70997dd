import { resolve } from "node:path";
import { SessionFactory } from "../companion-server/src/runtime/execution-providers";
import { GeneratorRegistry } from "../companion-server/src/runtime/generator-registry";
import { sampleLatents } from "../companion-server/src/runtime/random";
import { releaseNow } from "../companion-server/src/util/release-memory";
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
async function main() {
  const layer = process.argv[2];
  const sessions = new SessionFactory();
  if (process.env.NOARENA) {
    const open = sessions.thread.open.bind(sessions.thread);
    sessions.thread.open = (model, options) => open(model, { ...options, enableCpuMemArena: false });
  }
  const registry = new GeneratorRegistry([resolve("/tmp/h10e/models")], sessions);
  const g = registry.get("stylegan2-256")!;
  const lat = sampleLatents("normal", 512, 1, 16);
  for (const batch of process.argv.slice(3).map(Number)) {
    releaseNow((await g.head(layer, lat.subarray(0, 512 * batch), batch, 1)).features.buffer);
    const c = cpu(); const t = performance.now();
    for (let done = 0; done < 16; done += batch) releaseNow((await g.head(layer, lat.subarray(0, 512 * batch), batch, 1)).features.buffer);
    console.log(layer, "batch", batch, "cpu/sample", ((cpu() - c) / 16).toFixed(3), "wall/sample", ((performance.now() - t) / 16000).toFixed(3));
  }
  await registry.close();
}
main();
