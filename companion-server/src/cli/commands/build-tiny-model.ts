import { Command } from "commander";
import { writeTinyBundle } from "../../tiny-model/build-tiny-bundle";

export function registerBuildTinyModel(program: Command): void {
  program
    .command("build-tiny-model")
    .description("write the tiny deterministic test generator bundle")
    .requiredOption("--out <dir>", "bundle folder to write")
    .action(async (opts) => {
      await writeTinyBundle(opts.out);
      process.stdout.write(JSON.stringify({ written: opts.out }) + "\n");
    });
}
