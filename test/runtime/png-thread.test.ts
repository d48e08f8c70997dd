/** Large images are encoded to PNG on a thread of their own, off the server's event loop; small ones in place. */
import { threadId } from "node:worker_threads";
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { encodePngOffThread, OFF_THREAD_PIXELS, pngThreadId } from "../../companion-server/src/runtime/png-thread";

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * seed + (i >> 7)) & 255);
}

it("encodes a small image in place and a large one on the PNG thread, both losslessly", async () => {
  const small = pattern(16 * 16 * 4, 7).map((v, i) => (i % 4 === 3 ? 255 : v));
  const smallPng = await encodePngOffThread(small, 16, 16, false);
  expect(pngThreadId()).toBeNull();
  expect(Array.from(decodePng(smallPng).rgba)).toEqual(Array.from(small));

  const side = Math.sqrt(OFF_THREAD_PIXELS);
  const large = pattern(side * side * 4, 13).map((v, i) => (i % 4 === 3 ? 255 : v));
  const largePng = await encodePngOffThread(large, side, side, false);
  expect(typeof pngThreadId()).toBe("number");
  expect(pngThreadId()).not.toBe(threadId);
  const back = decodePng(largePng);
  expect([back.width, back.height]).toEqual([side, side]);
  expect(Buffer.from(back.rgba).equals(Buffer.from(large))).toBe(true);
  expect(large.byteLength).toBe(side * side * 4); // the caller's pixels stay with the caller

  const gray = pattern(side * side, 3);
  const grayBack = decodePng(await encodePngOffThread(gray, side, side, true));
  // decoded as RGBA: every channel the gray value
  expect(Array.from(grayBack.rgba.subarray(0, 8))).toEqual([gray[0], gray[0], gray[0], 255, gray[1], gray[1], gray[1], 255]);
});
