/** The `panda` command line: one module per sub-command under commands/. */
import { Command, CommanderError } from "commander";
import { version } from "../../../package.json";
import { failAndExit } from "./errors";
import { registerServe } from "./commands/serve";
import { registerBuildTinyModel } from "./commands/build-tiny-model";
import { registerFeatures } from "./commands/features";
import { registerDecompose } from "./commands/decompose";
import { registerMasks } from "./commands/masks";
import { registerSaliency } from "./commands/saliency";
import { registerEdit } from "./commands/edit";
import { registerRemove } from "./commands/remove";
import { registerParts } from "./commands/parts";

export function buildProgram(): Command {
  const program = new Command("panda").version(version).description("PandA Studio: parts and appearances of GAN feature maps");
  program.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith("error:") ? `panda: ${s.slice(7)}` : s) });
  registerServe(program);
  registerBuildTinyModel(program);
  registerFeatures(program);
  registerDecompose(program);
  registerMasks(program);
  registerSaliency(program);
  registerEdit(program);
  registerRemove(program);
  registerParts(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    failAndExit(err);
  }
}
