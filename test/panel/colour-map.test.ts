import { INFERNO, colourise } from "../../plugin/src/model/colour-map";

/** Relative luminance of an sRGB colour (0–1). */
function luminance(r: number, g: number, b: number): number {
  const linear = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

test("the inferno table runs from near black to pale yellow, 256 entries", () => {
  expect(INFERNO).toHaveLength(256 * 3);
  expect(Math.max(...INFERNO.subarray(0, 3))).toBeLessThanOrEqual(6);
  const [r, g, b] = INFERNO.subarray(255 * 3);
  expect(r).toBeGreaterThan(240);
  expect(g).toBeGreaterThan(240);
  expect(b).toBeGreaterThan(140);
  expect(b).toBeLessThan(r); // yellow, not white
});

test("its luminance never falls as the value rises", () => {
  const lum = Array.from({ length: 256 }, (_, v) => luminance(INFERNO[v * 3], INFERNO[v * 3 + 1], INFERNO[v * 3 + 2]));
  lum.slice(1).forEach((l, i) => expect(l).toBeGreaterThanOrEqual(lum[i]));
  expect(lum[255] - lum[0]).toBeGreaterThan(0.8);
});

test("a gray image maps through the table, opaque", () => {
  const gray = { width: 2, height: 1, gray: Uint8Array.of(0, 200) };
  expect(Array.from(colourise(gray).rgba)).toEqual([...INFERNO.subarray(0, 3), 255, ...INFERNO.subarray(600, 603), 255]);
});
