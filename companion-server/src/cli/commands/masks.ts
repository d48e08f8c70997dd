/** `panda masks`: part masks of one seed's image — every part, or the union of --parts. */
import { Command } from "commander";
import { addImageOptions, choice, imagePartsForSeed, parseIndexList, parseNumber, printJson, upsamplingOption, withRuntime, writePngs } from "./common";
import { SpatialMap } from "../../engine/panda/maps";
import { CliError } from "../errors";

export function registerMasks(program: Command): void {
  addImageOptions(program.command("masks").description("write part masks (8-bit gray PNG) of the image of a seed"))
    .option("--parts <list>", "write one mask of the union of these parts (e.g. 0,3) instead of one per part", parseIndexList)
    .option("--kind <kind>", "soft | binary", choice(["soft", "binary"] as const), "binary")
    .option("--threshold <t>", "binary: soft mask ≥ t (0…1) instead of argmax over parts", parseNumber)
    .addOption(upsamplingOption())
    .option("--feather <px>", "put a soft edge this many pixels wide on the mask", parseNumber, 0)
    .action(async (opts) =>
      withRuntime(opts, async (runtime) => {
        if (!(opts.feather >= 0)) throw new CliError("--feather is a width in pixels ≥ 0");
        if (opts.threshold !== undefined && (opts.kind !== "binary" || opts.threshold < 0 || opts.threshold > 1)) throw new CliError("--threshold is a number 0…1 for binary masks");
        const { parts } = await imagePartsForSeed(runtime, opts);
        const files: Record<string, SpatialMap | typeof parts.image> = { "image.png": parts.image };
        const run = (indices: number[]) => parts.mask(indices, opts.kind, { threshold: opts.threshold, upsampling: opts.upsampling, feather: opts.feather });
        if (opts.parts) files["mask.png"] = run(opts.parts);
        else for (let k = 0; k < parts.model.factors.partsRank; k++) files[`part-${k}.png`] = run([k]);
        printJson({ files: writePngs(opts.out, files) });
      }),
    );
}
