/**
 * `panda edit`: apply appearances to parts of one seed's image. One edit with --parts,
 * --appearance and --strength, or several with repeated --edit PARTS:APPEARANCE:STRENGTH.
 * Strengths are in the appearance's own units (api/strength.ts), as on the panel's slider.
 */
import { Command, InvalidArgumentError } from "commander";
import { Edit } from "../../engine/panda/edits";
import { EXAMPLE_STRENGTH, STRENGTH_LIMIT, toFeatureStrengths } from "../../api/strength";
import { CliError } from "../errors";
import { addImageOptions, imagePartsForSeed, parseIndexList, parseInteger, parseNumber, printJson, withRuntime, writePngs } from "./common";

function parseEdit(text: string, previous: Edit[] = []): Edit[] {
  const m = /^([\d,]+):(\d+):(-?[\d.eE+-]+)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`expected PARTS:APPEARANCE:STRENGTH, e.g. 0,3:5:${EXAMPLE_STRENGTH}`);
  return [...previous, { parts: parseIndexList(m[1]), appearance: Number(m[2]), strength: parseNumber(m[3]) }];
}

export function registerEdit(program: Command): void {
  addImageOptions(program.command("edit").description("apply appearances to parts of the image of a seed (writes edited.png, image.png, region.png)"))
    .option("--parts <list>", "parts to edit, e.g. 0,3", parseIndexList)
    .option("--appearance <n>", "appearance to apply", parseInteger(0))
    .option(
      "--strength <x>",
      `in units of the appearance's scale (half the span of its coordinates over the factorisation's samples, recorded in its meta.json as strengthScales), as on the panel's slider: ${EXAMPLE_STRENGTH} is a clear edit, ${STRENGTH_LIMIT} a strong one (the slider's end), negative the opposite direction`,
      parseNumber,
    )
    .option("--edit <spec>", "PARTS:APPEARANCE:STRENGTH; repeat for several edits at once", parseEdit)
    .addHelpText(
      "after",
      `\nExample (the default model's saved parts; part 3 is the mouth):\n  panda edit --model synthfaces --factorisation models/synthfaces/factorisations/synthfaces-8x8 --seed 7 --parts 3 --appearance 5 --strength ${EXAMPLE_STRENGTH} --out out/`,
    )
    .action(async (opts) =>
      withRuntime(opts, async (runtime) => {
        const single = [opts.parts, opts.appearance, opts.strength];
        if (single.some((v) => v !== undefined) && single.some((v) => v === undefined)) throw new CliError("--parts, --appearance and --strength go together");
        const edits: Edit[] = [...(opts.parts ? [{ parts: opts.parts, appearance: opts.appearance, strength: opts.strength }] : []), ...(opts.edit ?? [])];
        if (edits.length === 0) throw new CliError("give --parts, --appearance and --strength, or --edit PARTS:APPEARANCE:STRENGTH");
        const { parts, factorisation } = await imagePartsForSeed(runtime, opts);
        const inFeatures = toFeatureStrengths(edits, factorisation.meta.strengthScales);
        const result = await parts.edit(inFeatures);
        const files = writePngs(opts.out, { "image.png": parts.image, "edited.png": result.image, "region.png": result.region });
        printJson({ files, edits: edits.map((e, i) => ({ ...e, lambda: inFeatures[i].strength })) });
      }),
    );
}
