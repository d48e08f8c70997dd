/** Generator output to 8-bit RGBA: pure TypeScript, shared by the server and the in-browser engine. */

export interface RgbaImage {
  width: number;
  height: number;
  /** width·height·4 bytes, row-major, straight alpha */
  rgba: Uint8Array;
}

/** One image of an N·C·H·W batch (C = 1 or 3) mapped from [low, high] to 0…255, opaque. */
export function tensorToRgba(data: Float32Array, index: number, channels: number, width: number, height: number, range: readonly [number, number]): RgbaImage {
  const plane = width * height;
  const base = index * channels * plane;
  const scale = 255 / (range[1] - range[0]);
  const rgba = new Uint8Array(plane * 4);
  // A clamped view rounds and clamps on assignment: this runs on every generated image.
  const out = new Uint8ClampedArray(rgba.buffer);
  for (let c = 0; c < 3; c++) {
    const src = base + (channels === 1 ? 0 : c) * plane;
    for (let p = 0; p < plane; p++) out[p * 4 + c] = (data[src + p] - range[0]) * scale;
  }
  for (let p = 0; p < plane; p++) rgba[p * 4 + 3] = 255;
  return { width, height, rgba };
}
