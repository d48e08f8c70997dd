/**
 * The image-encoding thread (see png-thread.ts): tensor → RGBA and RGBA/gray → PNG for images
 * large enough that doing it on the server's thread would hold every other request (a 1024-px
 * face: about 55 ms to RGBA and 250 ms to PNG on this project's machines).
 */
import { parentPort } from "node:worker_threads";
import { encodeGrayPng, encodePng } from "./image-codec";
import { PngReply, PngRequest } from "./png-thread";

const port = parentPort;
if (!port) throw new Error("png-worker runs as a worker thread (see png-thread.ts)");

port.on("message", (req: PngRequest) => {
  try {
    const png = req.gray ? encodeGrayPng(req.pixels, req.width, req.height) : encodePng({ width: req.width, height: req.height, rgba: req.pixels });
    // A buffer of its own to hand over (Node may place small buffers in a shared pool).
    const bytes = new Uint8Array(png);
    port.postMessage({ id: req.id, ok: true, png: bytes } satisfies PngReply, [bytes.buffer]);
  } catch (err) {
    port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies PngReply);
  }
});
