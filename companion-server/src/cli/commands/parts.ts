/**
 * `panda parts`: the saved part sets (factorisations) of the data folder and the models' bundles,
 * as the panels list them — the user's names, labels, favourites and chosen set included.
 */
import { Command } from "commander";
import { defaultDataDir, notesDir } from "../../store/data-dir";
import { NotesStore } from "../../store/factorisation-notes";
import { openFactorisationStore } from "../../store/open-store";
import { summarise } from "../../store/factorisation-summary";
import { addRuntimeOptions, printJson, requireGenerator, requireLayer, withRuntime } from "./common";

export function registerParts(program: Command): void {
  addRuntimeOptions(program.command("parts").description("list saved part sets with their names, labels and favourites (JSON)"))
    .option("--model <id>", "only this model's sets")
    .option("--layer <id>", "only this layer's sets (with --model)")
    .option("--data-dir <dir>", "the data folder of `panda serve` (env PANDA_DATA_DIR)", defaultDataDir())
    .action(async (opts) =>
      withRuntime(opts, async (runtime) => {
        if (opts.model !== undefined) {
          const generator = requireGenerator(runtime, opts.model);
          if (opts.layer !== undefined) requireLayer(generator, opts.layer);
        }
        const store = openFactorisationStore(opts.dataDir, runtime.registry);
        const notes = new NotesStore(notesDir(opts.dataDir), (m) => process.stderr.write(`panda: ${m}\n`));
        const defaults = notes.defaults();
        const sets = store.list({ model: opts.model, layer: opts.layer }).map((f) => {
          const s = summarise(f, notes, defaults);
          return { id: s.id, title: s.title, default: s.default, model: s.model, layer: s.layer, parts: s.ranks.parts, appearances: s.ranks.appearances, readOnly: s.readOnly, createdAt: s.createdAt, notes: s.notes };
        });
        printJson({ partSets: sets, problems: store.problems });
      }),
    );
}
