/**
 * A perceptual colour map for 8-bit heat maps: inferno (black → purple → orange → pale yellow),
 * whose lightness rises steadily, so "more" always reads as "brighter" — also in gray print and
 * for colour-blind eyes. The 256 entries come from a degree-6 polynomial fit of matplotlib's
 * inferno (Matt Zucker, "colormap polynomials", CC0), evaluated once.
 */
import type { GrayImage, PixelImage } from "../hosts/host";

/** Coefficients c0…c6 of r, g and b as polynomials in t ∈ [0, 1]. */
const INFERNO_FIT: ReadonlyArray<readonly [number, number, number]> = [
  [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
  [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
  [11.60249308247187, -3.972853965665698, -15.9423941062914],
  [-41.70399613139459, 17.43639888205313, 44.35414519872813],
  [77.162935699427, -33.40235894210092, -81.80730925738993],
  [-71.31942824499214, 32.62606426397723, 73.20951985803202],
  [25.13112622477341, -12.24266895238567, -23.07032500287172],
];

/** 256 RGB triples: entry v is the colour of gray value v. */
export const INFERNO: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    for (let c = 0; c < 3; c++) {
      const value = INFERNO_FIT.reduceRight((sum, coefficients) => sum * t + coefficients[c], 0);
      lut[v * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, value)));
    }
  }
  return lut;
})();

/** The gray image through the colour map, opaque. */
export function colourise(image: GrayImage, lut: Uint8Array = INFERNO): PixelImage {
  const rgba = new Uint8Array(image.width * image.height * 4);
  image.gray.forEach((v, i) => {
    rgba.set(lut.subarray(v * 3, v * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  });
  return { width: image.width, height: image.height, rgba };
}
