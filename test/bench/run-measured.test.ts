/** bench-util's runMeasured: the one helper every benchmark uses to run a child process and measure it. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMeasured } from "../../bench/bench-util";

const MIB = 2 ** 20;

// Touches `mib` MiB, burns a fixed amount of CPU, then (if asked) runs itself as a grandchild with `grandchildMib`
// while still holding its own memory, so both are resident together for the grandchild's whole life. Prints the CPU
// seconds each process used, as the process itself counts them.
const TREE_SCRIPT = `
const { spawnSync } = require("node:child_process");
const [mib, grandchildMib] = process.argv.slice(2).map(Number);
const held = Buffer.alloc(mib * 2 ** 20, 1);
let x = 0;
for (let i = 0; i < 3e7; i++) x += Math.sqrt(i + x) % 7;
let cpu = 0;
if (grandchildMib > 0) {
  const r = spawnSync(process.execPath, [__filename, String(grandchildMib), "0"], { encoding: "utf8" });
  if (r.status !== 0) process.exit(3);
  cpu += Number(r.stdout.trim());
}
if (held[held.length - 1] !== 1 || !(x >= 0)) process.exit(4); // keeps both alive until here
const own = process.cpuUsage();
process.stdout.write(String(cpu + (own.user + own.system) / 1e6) + "\\n");
`;

describe("runMeasured", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "panda-run-measured-"));
    writeFileSync(join(dir, "tree.js"), TREE_SCRIPT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("captures stdout, the stderr tail and the exit status of a failing command", async () => {
    const res = await runMeasured(process.execPath, ["-e", "process.stdout.write('out'); process.stderr.write('a\\nb\\nc\\nthe error'); process.exit(4)"], { quiet: true });
    expect(res.status).toBe(4);
    expect(res.stdout).toBe("out");
    expect(res.stderrTail).toBe("b | c | the error");
  });

  test("measures the peak memory and the CPU of the whole process tree, grandchildren included", async () => {
    const res = await runMeasured(process.execPath, [join(dir, "tree.js"), "150", "250"], { quiet: true, sampleMs: 20 });
    expect(res.status).toBe(0);
    const treeCpu = Number(res.stdout.trim());
    expect(treeCpu).toBeGreaterThan(0.1);
    // the grandchild holds 250 MiB while the parent holds 150: the tree's sum, above either process's own peak
    expect(res.peakRssBytes).toBeGreaterThan(400 * MIB);
    expect(res.peakRssBytes).toBeLessThan(1024 * MIB);
    // sampling can miss each process's last sample interval (and the parent's exit), never count anything twice
    expect(res.cpuSeconds).toBeGreaterThan(treeCpu - 0.15);
    expect(res.cpuSeconds).toBeLessThan(treeCpu + 0.5);
    expect(res.seconds).toBeGreaterThan(0);
  });
});
