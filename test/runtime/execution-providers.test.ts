import { join } from "node:path";
import { parseDevice, SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { tinyModelsDir } from "../helpers/server";

it.each([
  ["cpu", { kind: "cpu", deviceId: 0 }],
  ["cuda", { kind: "cuda", deviceId: 0 }],
  ["cuda:1", { kind: "cuda", deviceId: 1 }],
  ["DML:2", { kind: "dml", deviceId: 2 }],
  ["coreml", { kind: "coreml", deviceId: 0 }],
])("parses --device %s", (text, expected) => expect(parseDevice(text)).toEqual(expected));

it("refuses an unknown device with the choices", () => {
  expect(() => parseDevice("tpu")).toThrow('unknown device "tpu": use cpu, cuda, cuda:N, dml, dml:N or coreml');
});

it("falls back to the CPU with one log line when the requested provider cannot start", async () => {
  const models = await tinyModelsDir();
  const lines: string[] = [];
  const factory = new SessionFactory(parseDevice("cuda:0"), (m) => lines.push(m));
  try {
    // This machine has no CUDA build of onnxruntime-node; where it has one, the request succeeds.
    const session = await factory.create(join(models.dir, "tiny-test", "4x4", "head.onnx"));
    expect(session.inputNames).toEqual(["z"]);
    const status = factory.status();
    if (status.active === "cpu") {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^execution provider cuda:0 could not start, falling back to cpu/);
      expect(status.fallbackReason).toMatch(/^cuda:0 unavailable/);
      await factory.create(join(models.dir, "tiny-test", "4x4", "tail.onnx"));
      expect(lines).toHaveLength(1); // once, not per session
    } else {
      expect(status.active).toBe("cuda:0");
    }
  } finally {
    models.remove();
  }
});
