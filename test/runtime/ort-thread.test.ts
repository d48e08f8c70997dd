/** ONNX Runtime sessions run on a worker thread of their own, off the server's event loop. */
import { threadId } from "node:worker_threads";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { GeneratorRegistry } from "../../companion-server/src/runtime/generator-registry";
import { OrtBackend } from "../../companion-server/src/engine/tensor/ort-backend";
import { matrix } from "../../companion-server/src/engine/tensor/matrix";
import { sampleLatents } from "../../companion-server/src/runtime/random";
import { tinyModelsDir } from "../helpers/server";

it("runs a generator on the ONNX Runtime thread, not the caller's, and gives the same features every time", async () => {
  const models = await tinyModelsDir();
  const registry = new GeneratorRegistry([models.dir], new SessionFactory());
  try {
    const generator = registry.get("tiny-test")!;
    const latent = sampleLatents("normal", 16, 5);
    const first = await generator.head("4x4", latent, 1);
    const thread = registry.sessions.thread.threadId;
    expect(typeof thread).toBe("number");
    expect(thread).not.toBe(threadId);
    expect(first.features).toHaveLength(16 * 4 * 4);
    expect(first.auxiliary.style).toHaveLength(3);
    expect(Array.from((await generator.head("4x4", latent, 1)).features)).toEqual(Array.from(first.features));
    // the latent the caller passed is still its own (feeds are copied, not taken)
    expect(latent).toHaveLength(16);
  } finally {
    await registry.close();
    models.remove();
  }
  // closing ends the thread: nothing runs after it
  expect(registry.sessions.thread.threadId).toBeNull();
  await expect(registry.get("tiny-test")!.head("4x4", sampleLatents("normal", 16, 5), 1)).rejects.toThrow("ONNX Runtime has been closed");
});

it("sends only a view's own values and leaves the larger buffer behind it with the caller", async () => {
  const factory = new SessionFactory();
  const backend = new OrtBackend(factory);
  try {
    const whole = Float32Array.from({ length: 1000 }, (_, i) => i);
    const a = matrix(2, 3, whole.subarray(10, 16)); // [[10,11,12],[13,14,15]]
    const b = matrix(3, 1, Float32Array.of(1, 0, -1));
    const product = await backend.matmul(a, b);
    expect(Array.from(product.data)).toEqual([-2, -2]);
    expect(whole.byteLength).toBe(4000);
    expect(whole[999]).toBe(999);
  } finally {
    await backend.dispose();
    await factory.close();
  }
});

it("hands out answers that arrive together one per turn of the event loop, so other requests get in between", async () => {
  const factory = new SessionFactory();
  const backend = new OrtBackend(factory);
  try {
    const a = matrix(64, 64, Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 7) - 3));
    await backend.matmul(a, a); // the session opened
    let turn = 0;
    let counting = true;
    const count = () => {
      turn++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const turns = await Promise.all(Array.from({ length: 8 }, () => backend.matmul(a, a).then(() => turn)));
    counting = false;
    expect(new Set(turns).size).toBe(8);
  } finally {
    await backend.dispose();
    await factory.close();
  }
});

it("reuses the feed buffers the thread hands back: the next run of that size copies into them, and every answer stays right", async () => {
  const factory = new SessionFactory();
  const backend = new OrtBackend(factory);
  const pool = factory.thread.feedBuffers;
  try {
    const b = matrix(64, 2, Float32Array.from({ length: 128 }, (_, i) => (i % 2 === 0 ? 1 : i / 128)));
    const results: number[][] = [];
    for (let run = 0; run < 4; run++) {
      const a = matrix(3, 64, Float32Array.from({ length: 192 }, (_, i) => run * 1000 + i));
      results.push(Array.from((await backend.matmul(a, b)).data));
      // both feeds came back (768 and 512 bytes), one buffer of each size kept between runs
      expect(pool.heldBytes).toBe(768 + 512);
    }
    for (let run = 0; run < 4; run++) {
      // row r of A·b: Σ_k (run·1000 + 64r + k), and Σ_k (run·1000 + 64r + k)·(2k+1)/128
      for (let r = 0; r < 3; r++) {
        const row = Array.from({ length: 64 }, (_, k) => run * 1000 + 64 * r + k);
        expect(results[run][2 * r]).toBeCloseTo(row.reduce((s, v) => s + v, 0), 0);
        expect(results[run][2 * r + 1]).toBeCloseTo(row.reduce((s, v, k) => s + (v * (2 * k + 1)) / 128, 0), 0);
      }
    }
  } finally {
    await backend.dispose();
    await factory.close();
  }
  expect(pool.heldBytes).toBe(0);
});
