import { INFERNO } from "../../plugin/src/model/colour-map";
import { OVERLAY_OPACITY, saliencyOverlay } from "../../plugin/src/model/saliency-overlay";

const gray = (values: number[]) => ({ width: values.length, height: 1, gray: Uint8Array.from(values) });
const heatMap = (values: number[]) => ({ width: values.length, height: 1, heat: Float32Array.from(values) });
const entry = (i: number) => Array.from(INFERNO.subarray(i * 3, i * 3 + 3));

test("stretches this image's heat from the threshold to its strongest value: colour and opacity rise with it", () => {
  // a narrow band of the paper's scale, as one real image has: 0.40…0.56, threshold at 0.48
  const heat = [0.4, 0.448, 0.472, 0.48, 0.52, 0.56];
  const present = heat.map((v) => (v >= 0.48 ? 255 : 0));
  const { pixels, mask, range } = saliencyOverlay(heatMap(heat), gray(present));
  expect(range.present).toBeCloseTo(0.48, 6);
  expect(range.strongest).toBeCloseTo(0.56, 6);
  const colour = (i: number) => Array.from(pixels.rgba.subarray(i * 4, i * 4 + 4));
  expect(colour(3)).toEqual([...entry(0), 255]); // the threshold: the map's first colour
  // halfway: between the map's two middle entries
  entry(127).forEach((v, c) => expect(Math.abs(colour(4)[c] - (v + entry(128)[c]) / 2)).toBeLessThanOrEqual(1));
  expect(colour(5)).toEqual([...entry(255), 255]); // the strongest: the last
  const { present: atThreshold, strongest } = OVERLAY_OPACITY;
  const expected = [0, 0, atThreshold * (1 - 0.1 / 0.15), atThreshold, atThreshold + (strongest - atThreshold) / 2, strongest];
  // far below the threshold and 0.4 of the range below: clear; just below: fading in; then rising
  Array.from(mask.gray).forEach((v, i) => expect(Math.abs(v - 255 * expected[i])).toBeLessThanOrEqual(1));
});

test("no steps: a smooth ramp across a narrow band of the scale (as 8-bit heat would show 10 levels) keeps every colour step small", () => {
  const n = 512;
  const ramp = Array.from({ length: n }, (_, i) => 0.5 + (0.04 * i) / (n - 1)); // 10 of 255 levels wide
  const { pixels } = saliencyOverlay(heatMap(ramp), gray(ramp.map(() => 255)));
  const steps = (rgba: Uint8Array) => {
    const levels = new Set<string>();
    let biggest = 0;
    for (let i = 0; i < n; i++) {
      levels.add(Array.from(rgba.subarray(i * 4, i * 4 + 3)).join());
      if (i > 0) for (let c = 0; c < 3; c++) biggest = Math.max(biggest, Math.abs(rgba[i * 4 + c] - rgba[(i - 1) * 4 + c]));
    }
    return { levels: levels.size, biggest };
  };
  const fine = steps(pixels.rgba);
  expect(fine.levels).toBeGreaterThan(250);
  expect(fine.biggest).toBeLessThanOrEqual(3); // half of inferno's largest step between neighbouring entries, rounded
  // the same ramp quantised to 8 bits first: the steps the 16-bit heat removes
  const coarse = steps(saliencyOverlay(heatMap(ramp.map((v) => Math.round(v * 255) / 255)), gray(ramp.map(() => 255))).pixels.rgba);
  expect(coarse.levels).toBeLessThanOrEqual(11);
  expect(coarse.biggest).toBeGreaterThan(20);
});

test("gray: the stretched heat as gray levels; nothing present: a clear layer", () => {
  const heat = [0.1, 0.2, 0.3];
  const overlay = saliencyOverlay(heatMap(heat), gray([0, 255, 255]), null);
  expect(Array.from(overlay.pixels.rgba)).toEqual([0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
  const none = saliencyOverlay(heatMap(heat), gray([0, 0, 0]));
  expect(Array.from(none.mask.gray)).toEqual([0, 0, 0]);
});
