/**
 * Test helpers for the companion server: a tiny bundle written to a temp dir, the app built for
 * inject(), or a real server listening on an ephemeral loopback port.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressInfo } from "node:net";
import { FastifyInstance } from "fastify";
import { AppOptions, buildApp } from "../../companion-server/src/app";
import { writeTinyBundle } from "../../companion-server/src/tiny-model/build-tiny-bundle";

export function tempDir(prefix = "panda-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A models folder holding a freshly built tiny test bundle (`tiny-test`). */
export async function tinyModelsDir(): Promise<{ dir: string; remove: () => void }> {
  const models = tempDir("panda-models-");
  await writeTinyBundle(join(models.dir, "tiny-test"));
  return models;
}

/**
 * The app over the given options, ready for inject(). Defaults: a fresh tiny bundle, and a temp
 * data dir so that tests never write into the user's ~/.panda-studio.
 */
export async function buildTestApp(options: Partial<AppOptions> = {}): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const models = options.modelDirs ? null : await tinyModelsDir();
  const data = options.dataDir ? null : tempDir("panda-data-");
  const app = await buildApp({ modelDirs: models ? [models.dir] : [], dataDir: data?.dir, ...options });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      models?.remove();
      data?.remove();
    },
  };
}

/** A real server on 127.0.0.1 and an ephemeral port. */
export async function startTestServer(options: Partial<AppOptions> = {}): Promise<{ app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const { app, close } = await buildTestApp(options);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close };
}
