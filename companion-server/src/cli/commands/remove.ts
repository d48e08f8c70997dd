/** `panda remove`: remove parts from one seed's image, in feature space or pixel space. */
import { Command } from "commander";
import { addImageOptions, choice, imagePartsForSeed, parseIndexList, parseInteger, printJson, withRuntime, writePngs } from "./common";
import { CliError } from "../errors";

export function registerRemove(program: Command): void {
  addImageOptions(program.command("remove").description("remove parts from the image of a seed (writes removed.png, image.png, region.png)"))
    .requiredOption("--parts <list>", "parts to remove, e.g. 0,3", parseIndexList)
    .option("--method <method>", "feature (paint the background in through the generator) | pixel (mask the pixels)", choice(["feature", "pixel"] as const), "feature")
    .option("--background <n>", "background appearance (default: the factorisation's)", parseInteger(0))
    .option("--fill <fill>", "pixel method: transparent | background", choice(["transparent", "background"] as const))
    .action(async (opts) =>
      withRuntime(opts, async (runtime) => {
        if (opts.fill !== undefined && opts.method !== "pixel") throw new CliError("--fill applies to --method pixel only");
        const { parts } = await imagePartsForSeed(runtime, opts);
        const result = await parts.remove(opts.parts, opts.method, { background: opts.background, fill: opts.fill });
        printJson({ files: writePngs(opts.out, { "image.png": parts.image, "removed.png": result.image, "region.png": result.region }), background: result.background });
      }),
    );
}
