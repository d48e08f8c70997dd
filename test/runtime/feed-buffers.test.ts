/** The ONNX Runtime thread's feed buffers: reused by size, bounded in count and bytes. */
import { FeedBuffers } from "../../companion-server/src/runtime/feed-buffers";

it("hands back a buffer given earlier for the same size, and a new one otherwise", () => {
  const pool = new FeedBuffers(1 << 20, 2);
  const first = pool.take(4096);
  new Float32Array(first).fill(7);
  pool.give(first);
  expect(pool.heldBytes).toBe(4096);
  expect(pool.take(4096)).toBe(first);
  expect(pool.heldBytes).toBe(0);
  const other = pool.take(4096);
  expect(other).not.toBe(first);
  expect(other.byteLength).toBe(4096);
  pool.give(first);
  expect(pool.take(8192)).not.toBe(first);
  expect(pool.take(8192).byteLength).toBe(8192);
});

it("keeps at most `perSize` buffers of one size and `maxBytes` in all, releasing the rest at once", () => {
  const pool = new FeedBuffers(10_000, 2);
  const buffers = [pool.take(4000), pool.take(4000), pool.take(4000)];
  for (const b of buffers) pool.give(b);
  expect(pool.heldBytes).toBe(8000);
  expect(buffers[2].byteLength).toBe(0); // the third went back to the system (detached)
  const big = pool.take(3000);
  pool.give(big);
  expect(pool.heldBytes).toBe(8000); // 11,000 bytes would exceed maxBytes
  expect(big.byteLength).toBe(0);
  pool.clear();
  expect(pool.heldBytes).toBe(0);
  expect(buffers[0].byteLength + buffers[1].byteLength).toBe(0);
});
