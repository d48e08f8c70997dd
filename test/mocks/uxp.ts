/// <reference types="@adobe/cc-ext-uxp-types" />
/**
 * What `require("uxp")` gives under jest (moduleNameMapper): entrypoints.setup records what the
 * plugin registered, so a test can play UXP and call the panel's create/show handlers.
 */
import type { entrypoints as UxpEntrypoints } from "uxp";

export const registered: unknown[] = [];

export const entrypoints: Pick<typeof UxpEntrypoints, "setup"> = {
  // UXP's declared parameter type is wrong for panels keyed by id (see entries/photoshop.ts); accept anything.
  setup(spec: unknown): void {
    if (registered.length > 0) throw new Error("entrypoints.setup may be called only once");
    registered.push(spec);
  },
};
