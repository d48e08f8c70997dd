/** Listens and shuts down cleanly; everything else is in app.ts. */
import { FastifyInstance } from "fastify";
import { AppOptions, buildApp } from "./app";

export interface ServerOptions extends AppOptions {
  host: string;
  port: number;
}

export async function startServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = await buildApp(options);
  await app.listen({ host: options.host, port: options.port });
  const stop = (signal: string) => {
    app.log.info(`${signal} received, closing`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return app;
}
