/** Decorates the app with the store of saved factorisations of the loaded models. */
import fp from "fastify-plugin";
import { FastifyInstance } from "fastify";
import { FactorisationStore, StoredFactorisation } from "../store/factorisation-store";
import { openFactorisationStore } from "../store/open-store";
import { notesDir } from "../store/data-dir";
import { NotesStore } from "../store/factorisation-notes";
import { ApiError } from "../api/errors";

declare module "fastify" {
  interface FastifyInstance {
    factorisations: FactorisationStore;
    /** the user's names, labels, favourites and chosen sets */
    notes: NotesStore;
    /** The factorisation of this id, or a 404. */
    requireFactorisation(id: string): StoredFactorisation;
  }
}

export default fp<{ dataDir: string }>(
  async (app: FastifyInstance, opts) => {
    const store = openFactorisationStore(opts.dataDir, app.generators);
    for (const p of store.problems) app.log.error(`factorisation not loaded: ${p.path}: ${p.problem}`);
    app.decorate("factorisations", store);
    app.decorate("notes", new NotesStore(notesDir(opts.dataDir), (message) => app.log.warn(message)));
    app.decorate("requireFactorisation", (id: string) => {
      const f = store.get(id);
      if (!f) throw new ApiError("UNKNOWN_FACTORISATION", { id });
      return f;
    });
  },
  { name: "factorisations", dependencies: ["runtime"] },
);
