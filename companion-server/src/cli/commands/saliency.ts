/** `panda saliency`: where appearances are present in one seed's image (heat map and thresholded mask). */
import { Command } from "commander";
import { addImageOptions, imagePartsForSeed, parseIndexList, printJson, upsamplingOption, withRuntime, writePngs } from "./common";
import { SpatialMap } from "../../engine/panda/maps";
import { RgbaImage } from "../../runtime/image-codec";

export function registerSaliency(program: Command): void {
  addImageOptions(program.command("saliency").description("write saliency heat maps and masks (8-bit gray PNG) of appearances"))
    .requiredOption("--appearance <list>", "appearance indices, e.g. 5 or 5,7", parseIndexList)
    .addOption(upsamplingOption())
    .action(async (opts) =>
      withRuntime(opts, async (runtime) => {
        const { parts } = await imagePartsForSeed(runtime, opts);
        const files: Record<string, SpatialMap | RgbaImage> = { "image.png": parts.image };
        const thresholds: Record<string, number> = {};
        for (const c of opts.appearance as number[]) {
          const s = parts.saliency(c, opts.upsampling);
          files[`saliency-${c}.png`] = s.heat;
          files[`saliency-${c}-mask.png`] = s.mask;
          thresholds[c] = s.threshold;
        }
        printJson({ files: writePngs(opts.out, files), thresholds });
      }),
    );
}
