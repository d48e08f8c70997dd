/**
 * The contact sheet saved with a factorisation: one row per sample image, the image first and
 * then every part as a coloured overlay on it. Without sample images (features read from a
 * file), one row of the parts alone. Small images are enlarged (nearest) so parts stay visible.
 */
import { PNG } from "pngjs";
import { RgbaImage } from "../../runtime/image-codec";
import { PartFactors } from "./types";
import { partMaps } from "./masks";
import { overlayPart, partColour } from "./overlay";
import { Size } from "./maps";

const MIN_CELL = 64;
const GAP = 2;

function blit(target: PNG, image: RgbaImage, left: number, top: number, scale: number): void {
  for (let y = 0; y < image.height * scale; y++) {
    for (let x = 0; x < image.width * scale; x++) {
      const src = (Math.floor(y / scale) * image.width + Math.floor(x / scale)) * 4;
      const dst = ((top + y) * target.width + left + x) * 4;
      for (let c = 0; c < 4; c++) target.data[dst + c] = image.rgba[src + c];
    }
  }
}

/** renderContactSheet, wherever it runs (the server runs it on an imaging thread). */
export type ContactSheetRenderer = (factors: PartFactors, samples: readonly RgbaImage[], size: Size) => Buffer | Promise<Buffer>;

/** PNG bytes of the sheet. `size` is the image size (used when there are no sample images). */
export function renderContactSheet(factors: PartFactors, samples: readonly RgbaImage[], size: Size): Buffer {
  const cellSize = samples.length > 0 ? { width: samples[0].width, height: samples[0].height } : size;
  const maps = partMaps(factors, cellSize).scaled;
  const rows: RgbaImage[][] =
    samples.length > 0
      ? samples.map((image) => [image, ...maps.map((m, k) => overlayPart(m, partColour(k), image))])
      : [maps.map((m, k) => overlayPart(m, partColour(k)))];
  const scale = Math.max(1, Math.ceil(MIN_CELL / Math.max(cellSize.width, cellSize.height)));
  const cw = cellSize.width * scale;
  const ch = cellSize.height * scale;
  const columns = rows[0].length;
  const sheet = new PNG({ width: columns * cw + (columns + 1) * GAP, height: rows.length * ch + (rows.length + 1) * GAP });
  sheet.data.fill(255); // white gaps
  rows.forEach((row, r) => row.forEach((cell, c) => blit(sheet, cell, GAP + c * (cw + GAP), GAP + r * (ch + GAP), scale)));
  return PNG.sync.write(sheet);
}
