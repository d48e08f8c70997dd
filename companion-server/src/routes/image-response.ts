/**
 * Sends an image in the form the client asked for with Accept: PNG (default), raw bytes for
 * the Photoshop panel, or JSON with a base64 PNG. Shared by every route that returns pixels.
 */
import { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../api/errors";
import { IMAGE_MEDIA_TYPES, ImageMediaType } from "../api/common";
import { IMAGE_HEADERS } from "../api/generate";
import { RgbaImage } from "../runtime/image-codec";
import { encodePngOffThread } from "../runtime/png-thread";
import { encodeGray16Png } from "../runtime/image-codec";

export function negotiateImageType(request: FastifyRequest): ImageMediaType {
  const accept = request.headers.accept;
  if (!accept) return "image/png";
  const wanted = accept
    .split(",")
    .map((part) => {
      const [type, ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { type: type.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const w of wanted) {
    if (w.type === "*/*" || w.type === "image/*") return "image/png";
    const hit = IMAGE_MEDIA_TYPES.find((t) => t === w.type);
    if (hit) return hit;
  }
  throw new ApiError("NOT_ACCEPTABLE", { accept, offered: IMAGE_MEDIA_TYPES.join(", ") });
}

export type PixelPayload =
  | { kind: "rgba"; image: RgbaImage }
  | { kind: "gray"; width: number; height: number; gray: Uint8Array }
  | { kind: "gray16"; width: number; height: number; gray: Uint16Array };

const FORMATS = { rgba: "rgba8", gray: "gray8", gray16: "gray16" } as const;

/** Sends pixels; `meta` goes into X-Image-* headers and, for JSON, into the body. */
export async function sendPixels(request: FastifyRequest, reply: FastifyReply, payload: PixelPayload, meta: Record<string, string | number | null>): Promise<FastifyReply> {
  const type = negotiateImageType(request);
  const width = payload.kind === "rgba" ? payload.image.width : payload.width;
  const height = payload.kind === "rgba" ? payload.image.height : payload.height;
  reply.header(IMAGE_HEADERS.width, width).header(IMAGE_HEADERS.height, height).header(IMAGE_HEADERS.format, FORMATS[payload.kind]);
  if (meta.id) reply.header(IMAGE_HEADERS.id, String(meta.id));
  reply.header("access-control-expose-headers", Object.values(IMAGE_HEADERS).join(", "));
  if (type === "application/octet-stream") {
    const bytes = payload.kind === "rgba" ? payload.image.rgba : payload.kind === "gray16" ? littleEndian(payload.gray) : payload.gray;
    return reply.type(type).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  const png =
    payload.kind === "gray16"
      ? encodeGray16Png(payload.gray, width, height)
      : await encodePngOffThread(payload.kind === "rgba" ? payload.image.rgba : payload.gray, width, height, payload.kind === "gray");
  if (type === "image/png") return reply.type(type).send(png);
  return reply.type(type).send({ ...meta, width, height, png: png.toString("base64") });
}

/** 16-bit samples as little-endian bytes (the raw format's order, whatever the machine's). */
function littleEndian(values: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, values[i], true);
  return bytes;
}
