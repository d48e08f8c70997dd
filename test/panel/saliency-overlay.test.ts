import { INFERNO } from "../../plugin/src/model/colour-map";
import { OVERLAY_OPACITY, saliencyOverlay } from "../../plugin/src/model/saliency-overlay";

const gray = (values: number[]) => ({ width: values.length, height: 1, gray: Uint8Array.from(values) });

test("stretches this image's heat from the threshold to its strongest value: colour and opacity rise with it", () => {
  // a narrow band of the paper's scale, as one real image has: 100…140, threshold at 120
  const heat = [100, 112, 118, 120, 130, 140];
  const present = heat.map((v) => (v >= 120 ? 255 : 0));
  const { pixels, mask, range } = saliencyOverlay(gray(heat), gray(present));
  expect(range).toEqual({ present: 120, strongest: 140 });
  const colour = (i: number) => Array.from(pixels.rgba.subarray(i * 4, i * 4 + 4));
  expect(colour(3)).toEqual([...INFERNO.subarray(0, 3), 255]); // the threshold: the map's first colour
  expect(colour(4)).toEqual([...INFERNO.subarray(128 * 3, 128 * 3 + 3), 255]); // halfway
  expect(colour(5)).toEqual([...INFERNO.subarray(255 * 3), 255]); // the strongest: the last
  const { present: atThreshold, strongest } = OVERLAY_OPACITY;
  expect(Array.from(mask.gray)).toEqual([
    0, // far below the threshold: clear
    0, // 0.4 of the range below: clear
    Math.round(255 * atThreshold * (1 - 0.1 / 0.15)), // just below: fading in
    Math.round(255 * atThreshold),
    Math.round(255 * (atThreshold + (strongest - atThreshold) / 2)),
    Math.round(255 * strongest),
  ]);
});

test("gray: the stretched heat as gray levels; nothing present: a clear layer", () => {
  const heat = [10, 20, 30];
  const overlay = saliencyOverlay(gray(heat), gray([0, 255, 255]), null);
  expect(Array.from(overlay.pixels.rgba)).toEqual([0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
  const none = saliencyOverlay(gray(heat), gray([0, 0, 0]));
  expect(Array.from(none.mask.gray)).toEqual([0, 0, 0]);
});
