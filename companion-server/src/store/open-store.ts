/** The factorisation store of a data folder for the loaded models (the server's and the CLI's). */
import { GeneratorRegistry } from "../runtime/generator-registry";
import { factorisationsDir } from "./data-dir";
import { FactorisationStore } from "./factorisation-store";

export function openFactorisationStore(dataDir: string, generators: GeneratorRegistry): FactorisationStore {
  return new FactorisationStore({
    userDir: factorisationsDir(dataDir),
    shipped: generators.all().map((g) => ({ model: g.id, bundleDir: g.bundle.dir })),
    layerShape: (model, layerId) => {
      const generator = generators.get(model);
      if (!generator) return `model "${model}" is not loaded`;
      const layer = generator.manifest.layers.find((l) => l.id === layerId);
      if (!layer) return `model "${model}" has no layer "${layerId}"`;
      const [channels, height, width] = layer.shape;
      return { channels, height, width };
    },
  });
}
