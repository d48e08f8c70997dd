/**
 * A plain static file server for the standalone site (dist/static): files only, no PandA API, so
 * the page runs the model itself. Any other static server does as well (see README).
 *
 *   npm run serve:static [-- --port 8720 --host 127.0.0.1 --root dist/static]
 */
import { Command, InvalidArgumentError } from "commander";
import Fastify, { FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";
import { existsSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../companion-server/src/cli/paths";

export const DEFAULT_STATIC_PORT = 8720;

/** A file server over `root` (not yet listening). */
export async function staticFileServer(root: string): Promise<FastifyInstance> {
  if (!existsSync(path.join(root, "index.html"))) throw new Error(`${root} has no index.html; run "npm run build:static" first`);
  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, { root: path.resolve(root), prefix: "/", index: ["index.html"] });
  return app;
}

async function main(): Promise<void> {
  const port = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is an integer 0…65535");
    return n;
  };
  const opts = new Command()
    .name("serve:static")
    .description("serve the standalone site's files (no companion server)")
    .option("--root <dir>", "the site", path.join(PACKAGE_ROOT, "dist", "static"))
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", port, DEFAULT_STATIC_PORT)
    .parse()
    .opts<{ root: string; host: string; port: number }>();
  const app = await staticFileServer(opts.root);
  await app.listen({ host: opts.host, port: opts.port });
  process.stdout.write(`The standalone PandA Studio is at http://${opts.host}:${opts.port}/ (files of ${opts.root})\n`);
}

if (require.main === module)
  main().catch((err: Error) => {
    console.error(`serve:static: ${err.message}`);
    process.exit(1);
  });
