/**
 * The app for the product route tests: a fresh tiny bundle, a temp data folder holding a planted
 * factorisation ("planted": four quadrant parts on layer 4x4, A = identity), and a generator helper.
 */
import { FastifyInstance } from "fastify";
import { AppOptions } from "../../companion-server/src/app";
import { FactorisationModel } from "../../companion-server/src/engine/panda/image-parts";
import { buildTestApp } from "../helpers/server";
import { plantedModel, savePlanted, tempDir } from "../engine/product/fixtures";

export interface ProductApp {
  app: FastifyInstance;
  dataDir: string;
  planted: FactorisationModel;
  /** generates an image of the tiny model and returns its id */
  generate(seed?: number): Promise<string>;
  close(): Promise<void>;
}

export const PLANTED = "planted";

export async function buildProductApp(options: Partial<AppOptions> = {}): Promise<ProductApp> {
  const data = tempDir("panda-data-");
  const { app, close } = await buildTestApp({ dataDir: data.dir, ...options });
  const planted = await plantedModel(app.generators.get("tiny-test")!);
  await savePlanted(data.dir, PLANTED, planted);
  app.factorisations.load();
  return {
    app,
    dataDir: data.dir,
    planted,
    generate: async (seed = 7) => {
      const res = await app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed } });
      if (res.statusCode !== 200) throw new Error(res.body);
      return res.headers["x-image-id"] as string;
    },
    close: async () => {
      await close();
      data.remove();
    },
  };
}

/** The product app and one generated image of the tiny model (`seed`): the set-up of the image route tests. */
export async function productAppWithImage(seed: number, options: Partial<AppOptions> = {}): Promise<{ p: ProductApp; image: string }> {
  const p = await buildProductApp(options);
  return { p, image: await p.generate(seed) };
}
