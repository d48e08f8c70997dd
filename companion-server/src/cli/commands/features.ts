/** `panda features`: N feature maps of a model's layer as a float32 (N, C, H, W) .npy file. */
import { Command } from "commander";
import { writeNpy } from "../../engine/io/npy";
import { sampleFeatures } from "../../engine/sampling";
import { addRuntimeOptions, parseInteger, printJson, progressBar, requireGenerator, requireLayer, seedOption, withRuntime } from "./common";

export function registerFeatures(program: Command): void {
  addRuntimeOptions(program.command("features").description("sample feature maps of a model's layer into a .npy file (float32, N×C×H×W)"))
    .requiredOption("--model <id>", "model id")
    .option("--layer <id>", "layer id (default: the model's default layer)")
    .requiredOption("--samples <n>", "number of samples", parseInteger(1, 1_000_000))
    .addOption(seedOption().default(0))
    .option("--batch <n>", "latents per head run", parseInteger(1, 4096), 16)
    .requiredOption("--out <file>", ".npy file to write")
    .action(async (opts) =>
      withRuntime(opts, async (runtime) => {
        const generator = requireGenerator(runtime, opts.model);
        const layer = requireLayer(generator, opts.layer);
        const [c, h, w] = layer.shape;
        const source = sampleFeatures(generator, layer.id, opts.samples, opts.seed, opts.batch);
        const data = new Float32Array(opts.samples * c * h * w);
        const bar = progressBar(opts.progress);
        await source.forEachBatch(opts.batch, (batch, count, offset) => {
          data.set(batch, offset * c * h * w);
          bar.update((offset + count) / opts.samples, `${offset + count}/${opts.samples} samples`);
        });
        bar.stop();
        writeNpy(opts.out, { dtype: "float32", shape: [opts.samples, c, h, w], data });
        printJson({ written: opts.out, model: generator.id, layer: layer.id, shape: [opts.samples, c, h, w], seed: opts.seed });
      }),
    );
}
