/**
 * Mask upsampling cost at image sizes the product meets: 8 part maps at 8×8 brought to 256² and
 * 1024² by block, bilinear and edge-aware upsampling (guided filter at ≈128 px, two passes), in one
 * run, with the edge-aware / bilinear ratio. The guide's statistics are computed once per image and
 * shared by all its maps (as the server does): reported separately. Then the colour fit of refined
 * parts (imaging/colour-fit.ts) of 8 and 16 edge-aware part maps at each size. Prints JSON.
 *   npm run bench:masks [-- --rounds N]
 */
import { MapUpsampler, UPSAMPLINGS } from "../companion-server/src/engine/imaging/mask-upsampling";
import { fitPartsToColours } from "../companion-server/src/engine/imaging/colour-fit";
import { nowMs, numberArg, percentile } from "./bench-util";

/** A deterministic picture with edges at every scale (rings and stripes). */
function picture(side: number) {
  const rgba = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const r = Math.hypot(x - side / 2, y - side / 2) / side;
      rgba.set([r < 0.3 ? 200 : 40, (x >> 4) % 2 ? 180 : 60, Math.round(128 + 100 * Math.sin(y / 9)), 255], (y * side + x) * 4);
    }
  return { width: side, height: side, rgba };
}

function partMaps(count: number, cells: number) {
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => ({ width: cells, height: cells, data: Float32Array.from({ length: cells * cells }, rand) }));
}

function main(): void {
  const rounds = numberArg("--rounds", 5);
  const maps = partMaps(8, 8);
  const result: Record<string, unknown> = { bench: "masks", parts: maps.length, featureSize: "8×8", rounds };
  for (const side of [256, 1024]) {
    const image = picture(side);
    const times: Record<string, number[]> = { guide: [] };
    for (const u of UPSAMPLINGS) times[u] = [];
    for (let round = 0; round < rounds; round++) {
      const upsampler = new MapUpsampler(image);
      let t = nowMs();
      upsampler.upsample(maps[0], "edge-aware"); // builds the guide's statistics, then one map
      const first = nowMs() - t;
      for (const u of UPSAMPLINGS) {
        t = nowMs();
        for (const m of maps) upsampler.upsample(m, u);
        times[u].push((nowMs() - t) / maps.length);
      }
      times.guide.push(Math.max(0, first - times["edge-aware"][round]));
    }
    const ms = (v: number[]) => +percentile(v, 50).toFixed(2);
    // the colour fit of refined parts, as ImageParts.partMaps runs it: on every part's edge-aware map at once
    const colourFit: Record<string, number> = {};
    for (const count of [8, 16]) {
      const upsampler = new MapUpsampler(image);
      const upsampled = partMaps(count, count === 8 ? 8 : 16).map((m) => upsampler.upsample(m, "edge-aware"));
      const fits: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const t = nowMs();
        fitPartsToColours(image, upsampled);
        fits.push(nowMs() - t);
      }
      colourFit[`${count} parts`] = ms(fits);
    }
    result[`${side}x${side}`] = {
      msPerMapMedian: Object.fromEntries(UPSAMPLINGS.map((u) => [u, ms(times[u])])),
      guideStatisticsMsMedian: ms(times.guide),
      edgeAwareOverBilinear: +(percentile(times["edge-aware"], 50) / percentile(times.bilinear, 50)).toFixed(1),
      colourFitMsMedian: colourFit,
    };
  }
  console.log(JSON.stringify(result, null, 2));
}

main();
