/**
 * PNG encoding off the server's event loop for large images: pngjs filters and deflates
 * synchronously, which for a 1024-px image held the loop about a quarter of a second per
 * response. Small images (masks and faces at 64–128 px) are encoded in place: the round trip to
 * the thread would cost more than the encoding.
 */
import { join } from "node:path";
import { encodeGrayPng, encodePng } from "./image-codec";
import { WorkerCalls } from "./worker-calls";
import { copyOf } from "../util/sliced-copy";

export type PngRequest = { id: number; gray: boolean; width: number; height: number; pixels: Uint8Array };
export type PngReply = { id: number; ok: true; png: Uint8Array } | { id: number; ok: false; message: string };

/** From this many pixels on (256×256), encoding goes to the thread. */
export const OFF_THREAD_PIXELS = 256 * 256;

const thread = new WorkerCalls(join(__dirname, "png-worker-entry.js"), "PNG encoding");

/** RGBA (4 bytes a pixel) or gray (1) pixels as a PNG, encoded on the PNG thread when large. */
export async function encodePngOffThread(pixels: Uint8Array, width: number, height: number, gray: boolean): Promise<Buffer> {
  if (width * height < OFF_THREAD_PIXELS) return gray ? encodeGrayPng(pixels, width, height) : encodePng({ width, height, rgba: pixels });
  const own = await copyOf(pixels); // the caller keeps its pixels (the image cache holds them)
  const reply = await thread.call<PngReply & { ok: true }>(thread.current(), { gray, width, height, pixels: own }, [own.buffer as ArrayBuffer]);
  return Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength);
}

/** The PNG thread's id while it runs (tests check that large images are encoded there). */
export function pngThreadId(): number | null {
  return thread.threadId;
}
