import { inflateSync } from "node:zlib";
import { encodeStoredPng, pngDataUrl } from "../../plugin/src/model/png-data-url";

test("a stored PNG decodes back to the same pixels (zlib checks the Adler-32), and its base64 is standard", () => {
  const width = 200; // rows of 801 bytes: more than one 65535-byte stored block in all
  const height = 100;
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37) & 255);
  const png = encodeStoredPng({ width, height, rgba });
  const bytes = Buffer.from(png);
  expect(bytes.subarray(1, 4).toString()).toBe("PNG");
  expect(bytes.readUInt32BE(16)).toBe(width);
  expect(bytes.readUInt32BE(20)).toBe(height);
  const idatLength = bytes.readUInt32BE(33);
  expect(bytes.subarray(37, 41).toString()).toBe("IDAT");
  const raw = inflateSync(bytes.subarray(41, 41 + idatLength));
  const rows = Array.from({ length: height }, (_, y) => raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)));
  expect(Buffer.concat(rows).equals(Buffer.from(rgba))).toBe(true);
  expect(pngDataUrl({ width, height, rgba })).toBe(`data:image/png;base64,${bytes.toString("base64")}`);
});
