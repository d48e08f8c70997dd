/** Part masks at image resolution: shapes, ranges, argmax partition, thresholds, unions. */
import { binaryMask, partLabels, partMaps, softMask } from "../../../companion-server/src/engine/panda/masks";
import { minMaxScale, resizeBilinear } from "../../../companion-server/src/engine/panda/maps";
import { quadrantFactors } from "./fixtures";

const size = { width: 16, height: 16 };

it("upsamples bilinearly with half-pixel centres (constant stays constant, edges clamp)", () => {
  const up = resizeBilinear({ width: 2, height: 1, data: Float32Array.of(0, 1) }, { width: 4, height: 1 });
  expect(Array.from(up.data)).toEqual([0, 0.25, 0.75, 1]);
  const flat = resizeBilinear({ width: 3, height: 3, data: new Float32Array(9).fill(2) }, { width: 7, height: 5 });
  expect(flat.data.every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
  expect(minMaxScale(flat).data.every((v) => v === 0)).toBe(true);
});

it("gives every part a soft map at image size scaled to [0, 1]", () => {
  const maps = partMaps(quadrantFactors(), size);
  expect(maps.scaled).toHaveLength(4);
  for (const m of maps.scaled) {
    expect([m.width, m.height, m.data.length]).toEqual([16, 16, 256]);
    expect(Math.min(...m.data)).toBe(0);
    expect(Math.max(...m.data)).toBe(1);
  }
  // the top-left quadrant's map is 1 deep inside it and 0 far outside
  expect(maps.scaled[0].data[1 * 16 + 1]).toBe(1);
  expect(maps.scaled[0].data[14 * 16 + 14]).toBe(0);
});

it("partitions the image by argmax: binary masks of all parts cover every pixel once", () => {
  const maps = partMaps(quadrantFactors(), size);
  const labels = partLabels(maps);
  expect(labels[0]).toBe(0);
  expect(labels[15]).toBe(1);
  expect(labels[15 * 16]).toBe(2);
  expect(labels[255]).toBe(3);
  const total = new Float32Array(256);
  for (let k = 0; k < 4; k++) binaryMask(maps, [k]).data.forEach((v, i) => (total[i] += v));
  expect(total.every((v) => v === 1)).toBe(true);
  expect(binaryMask(maps, [0, 1, 2, 3]).data.every((v) => v === 1)).toBe(true);
  expect(binaryMask(maps, [0]).data.reduce((a, b) => a + b, 0)).toBe(64);
});

it("unions soft masks by maximum and thresholds them", () => {
  const maps = partMaps(quadrantFactors(), size);
  const union = softMask(maps, [0, 3]);
  union.data.forEach((v, i) => expect(v).toBe(Math.max(maps.scaled[0].data[i], maps.scaled[3].data[i])));
  const strict = binaryMask(maps, [0], 0.99).data.reduce((a, b) => a + b, 0);
  const loose = binaryMask(maps, [0], 0.01).data.reduce((a, b) => a + b, 0);
  expect(strict).toBeLessThan(64);
  expect(loose).toBeGreaterThan(64);
});

it("uses refined parts when given", () => {
  const f = quadrantFactors();
  const refined = new Float32Array(f.parts.length);
  for (let s = 0; s < 16; s++) refined[s * 4 + 3] = 1; // everything is part 3
  refined[0] = 2; // except position 0, which is part 0
  const labels = partLabels(partMaps(f, { width: 4, height: 4 }, refined));
  expect(labels[0]).toBe(0);
  expect(Array.from(labels.slice(1)).every((l) => l === 3)).toBe(true);
});
