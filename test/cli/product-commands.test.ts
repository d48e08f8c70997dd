/**
 * The product commands as a user runs them (`node companion-server/bin/panda.js …` in a real
 * process, against the committed tiny bundle): features → decompose → masks, saliency, edit,
 * remove; and one readable line with a non-zero exit for each kind of bad input.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { formatNpy, readNpy } from "../../companion-server/src/engine/io/npy";
import { tempDir } from "../engine/product/fixtures";

const BIN = join(__dirname, "..", "..", "companion-server", "bin", "panda.js");
/** Only the committed tiny bundle, whatever other models the repository holds. */
const TINY = join(__dirname, "..", "..", "models", "tiny-test");

let tmp: { dir: string; remove: () => void };
beforeAll(() => {
  tmp = tempDir("panda-cli-");
});
afterAll(() => tmp.remove());

function panda(command: string, ...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, command, "--models", TINY, ...args], { cwd: tmp.dir, encoding: "utf8", env: { ...process.env, PANDA_MODELS: "" } });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, json: () => JSON.parse(res.stdout) };
}

function ok(...args: string[]) {
  const res = panda(args[0], ...args.slice(1));
  if (res.status !== 0) throw new Error(`panda ${args.join(" ")} exited ${res.status}: ${res.stderr}`);
  return res.json();
}

const at = (name: string) => join(tmp.dir, name);

describe("end to end", () => {
  it("samples features, fits them, and edits an image with the result", () => {
    expect(ok("features", "--model", "tiny-test", "--layer", "4x4", "--samples", "24", "--seed", "2", "--out", "z.npy")).toMatchObject({ shape: [24, 16, 4, 4] });
    const z = readNpy(at("z.npy"));
    expect([z.dtype, z.shape]).toEqual(["float32", [24, 16, 4, 4]]);

    // a features file with the model named: the factorisation is usable for that model
    const report = ok("decompose", "--features", "z.npy", "--model", "tiny-test", "--layer", "4x4", "--parts", "4", "--appearances", "16", "--out", "fact");
    expect(report).toMatchObject({ solver: "fast", id: "fact" });
    expect(JSON.parse(readFileSync(at("fact/report.json"), "utf8"))).toEqual({
      objective: report.objective,
      relativeObjective: report.relativeObjective,
      seconds: report.seconds,
      iterations: report.iterations,
      solver: "fast",
    });
    const meta = JSON.parse(readFileSync(at("fact/meta.json"), "utf8"));
    expect(meta).toMatchObject({ id: "fact", model: "tiny-test", layer: "4x4", ranks: { parts: 4, appearances: 16 }, samples: 24 });
    expect(readNpy(at("fact/parts.npy")).shape).toEqual([16, 4]);
    expect(readNpy(at("fact/appearances.npy")).shape).toEqual([16, 16]);
    expect(existsSync(at("fact/contact-sheet.png"))).toBe(true); // the parts alone: no sample images for a file

    const common = ["--model", "tiny-test", "--factorisation", "fact", "--seed", "5"];
    const masks = ok("masks", ...common, "--out", "masks");
    expect(masks.files).toHaveLength(5);
    const union = ok("masks", ...common, "--parts", "0,2", "--kind", "soft", "--out", "union");
    expect(decodePng(readFileSync(at(union.files[1]))).width).toBe(16);
    const sal = ok("saliency", ...common, "--appearance", "1,3", "--out", "sal");
    expect(Object.keys(sal.thresholds)).toEqual(["1", "3"]);
    const edit = ok("edit", ...common, "--edit", "0:1:5", "--edit", "2,3:4:-5", "--out", "edit");
    expect(edit.edits).toHaveLength(2);
    const edited = decodePng(readFileSync(join(tmp.dir, "edit", "edited.png")));
    const original = decodePng(readFileSync(join(tmp.dir, "edit", "image.png")));
    expect(Buffer.compare(Buffer.from(edited.rgba), Buffer.from(original.rgba))).not.toBe(0);
    for (const method of ["feature", "pixel"]) {
      const removed = ok("remove", ...common, "--parts", "1", "--method", method, "--out", `remove-${method}`);
      expect(removed.background).toEqual(meta.background.appearance);
    }
  });

  it("fits on samples of a model with a contact sheet of sample images, and reads float64 files", () => {
    ok("decompose", "--model", "tiny-test", "--samples", "16", "--parts", "3", "--appearances", "8", "--seed", "4", "--out", "sampled");
    const sheet = decodePng(readFileSync(at("sampled/contact-sheet.png")));
    expect([sheet.width, sheet.height]).toEqual([4 * 64 + 5 * 2, 4 * 64 + 5 * 2]);
    const values = Float64Array.from({ length: 6 * 8 * 8 * 8 }, (_, i) => Math.sin(i) + 1);
    writeFileSync(at("z64.npy"), formatNpy({ dtype: "float64", shape: [6, 8, 8, 8], data: values }));
    expect(ok("decompose", "--features", "z64.npy", "--parts", "2", "--appearances", "4", "--out", "from64")).toMatchObject({ id: "from64" });
    expect(JSON.parse(readFileSync(at("from64/meta.json"), "utf8"))).toMatchObject({ model: null, layer: null, shape: { channels: 8, height: 8, width: 8 } });
  });

  it("refuses to overwrite an existing --out folder unless --force", () => {
    const before = readFileSync(at("from64/meta.json"), "utf8");
    const refused = panda("decompose", "--features", "z64.npy", "--parts", "3", "--appearances", "4", "--out", "from64");
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.trim()).toBe("panda: from64 already exists; choose another --out, or pass --force to replace it");
    expect(readFileSync(at("from64/meta.json"), "utf8")).toBe(before);
    ok("decompose", "--features", "z64.npy", "--parts", "3", "--appearances", "4", "--out", "from64", "--force");
    expect(JSON.parse(readFileSync(at("from64/meta.json"), "utf8"))).toMatchObject({ ranks: { parts: 3, appearances: 4 } });
  });
});

describe("bad input: one readable line, non-zero exit", () => {
  beforeAll(() => {
    const header = (dict: string) => {
      const text = dict.padEnd(117, " ") + "\n";
      const head = Buffer.alloc(10);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
      head.writeUInt16LE(text.length, 8);
      return Buffer.concat([head, Buffer.from(text, "latin1")]);
    };
    writeFileSync(at("fortran.npy"), Buffer.concat([header("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2, 2, 2), }"), Buffer.alloc(32)]));
    writeFileSync(at("ints.npy"), Buffer.concat([header("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2, 2, 2), }"), Buffer.alloc(32)]));
    writeFileSync(at("short.npy"), Buffer.concat([header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2, 2), }"), Buffer.alloc(12)]));
    writeFileSync(at("rank3.npy"), formatNpy({ dtype: "float32", shape: [2, 2, 2], data: new Float32Array(8) }));
    writeFileSync(at("small.npy"), formatNpy({ dtype: "float32", shape: [3, 4, 2, 2], data: new Float32Array(48).fill(1) }));
  });

  const fit = ["--parts", "2", "--appearances", "2", "--out", "never"];
  it.each([
    [["decompose", "--features", "fortran.npy", ...fit], /^panda: fortran\.npy: Fortran-ordered arrays are not read/],
    [["decompose", "--features", "ints.npy", ...fit], /^panda: ints\.npy: unsupported dtype '<i4'/],
    [["decompose", "--features", "short.npy", ...fit], /^panda: short\.npy: truncated \.npy data/],
    [["decompose", "--features", "rank3.npy", ...fit], /^panda: rank3\.npy: features must have shape \(N, C, H, W\); this array has shape \(2, 2, 2\)$/],
    [["decompose", "--features", "missing.npy", ...fit], /^panda: cannot read missing\.npy: file not found$/],
    [["decompose", "--features", "small.npy", "--parts", "5", "--appearances", "2", "--out", "never"], /^panda: --parts 5 is too large for these features: at most 4/],
    [["decompose", "--features", "small.npy", "--parts", "2", "--appearances", "5", "--out", "never"], /^panda: --appearances 5 is too large for these features: at most 4 \(C = 4 channels\)$/],
    [["decompose", ...fit], /^panda: give --features FILE, or --model ID with --samples N$/],
    [["decompose", "--model", "nope", "--samples", "3", ...fit], /^panda: unknown model "nope"; available: tiny-test$/],
    // a million 16×4×4 samples (1 GiB) do not fit a 401 MiB limit: refused up front, saying how many would
    [["decompose", "--model", "tiny-test", "--samples", "1000000", "--memory-limit", "401", ...fit], /^panda: this factorisation needs 1.3 GiB of memory, more than the 401 MiB available: lower samples to at most 744$/],
    [["features", "--model", "tiny-test", "--layer", "9x9", "--samples", "2", "--out", "z.npy"], /^panda: model "tiny-test" has no layer "9x9" \(layers: 4x4, 8x8\)$/],
    [["features", "--model", "tiny-test", "--samples", "many", "--out", "z.npy"], /^panda: option '--samples <n>' argument 'many' is invalid/],
    [["masks", "--model", "tiny-test", "--factorisation", "nowhere", "--seed", "1", "--out", "o"], /^panda: no factorisation folder at nowhere/],
    [["edit", "--model", "tiny-test", "--factorisation", "never", "--seed", "1", "--parts", "0", "--out", "o"], /^panda: (no factorisation folder|--parts, --appearance and --strength go together)/],
    [["remove", "--model", "tiny-test", "--factorisation", "x", "--seed", "1", "--parts", "0", "--method", "paint", "--out", "o"], /^panda: option '--method <method>' argument 'paint' is invalid\. expected one of feature, pixel$/],
  ])("%j", (args, message) => {
    const [command, ...rest] = args as string[];
    const res = panda(command, ...rest);
    expect(res.status).not.toBe(0);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr.trim()).toMatch(message);
    expect(existsSync(at("never"))).toBe(false);
  });

  it("refuses part and appearance indices the factorisation lacks, and a factorisation of another layer", () => {
    ok("decompose", "--model", "tiny-test", "--layer", "8x8", "--samples", "8", "--parts", "2", "--appearances", "3", "--out", "small8");
    const common = ["--model", "tiny-test", "--factorisation", "small8", "--seed", "1", "--out", "o"];
    for (const [args, message] of [
      [["masks", ...common, "--parts", "2"], /^panda: there is no part 2; this factorisation has 2 parts \(0 … 1\)$/],
      [["saliency", ...common, "--appearance", "3"], /^panda: there is no appearance 3; this factorisation has 3 appearances \(0 … 2\)$/],
    ] as const) {
      const [command, ...rest] = args;
      const res = panda(command, ...rest);
      expect(res.status).toBe(2);
      expect(res.stderr.trim()).toMatch(message);
    }
    const meta = JSON.parse(readFileSync(at("small8/meta.json"), "utf8"));
    writeFileSync(at("small8/meta.json"), JSON.stringify({ ...meta, model: "other-model" }));
    const res = panda("masks", ...common);
    expect(res.stderr.trim()).toBe('panda: the factorisation in small8 was fitted on model "other-model", not "tiny-test"');
  });
});
