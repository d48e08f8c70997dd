/**
 * Pixels → a `data:image/png` URL for <img> thumbnails, in pure TypeScript: UXP has neither a
 * canvas to encode with nor CompressionStream, so the image data goes into "stored"
 * (uncompressed) deflate blocks — fine for thumbnails of a few kilobytes.
 */
import type { PixelImage } from "../hosts/host";

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const v of bytes) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function chunk(type: string, data: Uint8Array): number[] {
  const typed = Uint8Array.from([...type].map((ch) => ch.charCodeAt(0)).concat(Array.from(data)));
  return [...u32(data.length), ...typed, ...u32(crc32(typed))];
}

/** A zlib stream of stored blocks (at most 65535 bytes each). */
function storedZlib(raw: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01];
  for (let at = 0; at < raw.length || at === 0; at += 65535) {
    const block = raw.subarray(at, at + 65535);
    const last = at + 65535 >= raw.length ? 1 : 0;
    out.push(last, block.length & 255, block.length >>> 8, ~block.length & 255, (~block.length >>> 8) & 255);
    for (const v of block) out.push(v);
    if (last) break;
  }
  out.push(...u32(adler32(raw)));
  return Uint8Array.from(out);
}

export function encodeStoredPng(image: PixelImage): Uint8Array {
  const { width, height, rgba } = image;
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height); // filter byte 0 (none) before each row
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = Uint8Array.from([...u32(width), ...u32(height), 8, 6, 0, 0, 0]); // 8-bit RGBA
  const bytes = [137, 80, 78, 71, 13, 10, 26, 10, ...chunk("IHDR", header), ...chunk("IDAT", storedZlib(raw)), ...chunk("IEND", new Uint8Array(0))];
  return Uint8Array.from(bytes);
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[n >>> 18] + BASE64[(n >>> 12) & 63] + (i + 1 < bytes.length ? BASE64[(n >>> 6) & 63] : "=") + (i + 2 < bytes.length ? BASE64[n & 63] : "=");
  }
  return out;
}

/** The image as base64 PNG (what the server's part thumbnails carry). */
export function pngBase64(image: PixelImage): string {
  return base64(encodeStoredPng(image));
}

export function pngDataUrl(image: PixelImage): string {
  return `data:image/png;base64,${pngBase64(image)}`;
}
