import { Command, InvalidArgumentError } from "commander";
import { parseDevice } from "../../runtime/execution-providers";
import { startServer } from "../../server";
import { DEFAULT_WEB_ROOT, defaultModelDirs } from "../paths";
import { defaultDataDir } from "../../store/data-dir";

export const DEFAULT_PORT = 8710;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("a port is an integer 0…65535");
  return port;
}

function parseDeviceOption(text: string) {
  try {
    return parseDevice(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the companion server and the web editor")
    .option("--host <host>", "address to listen on", process.env.PANDA_HOST ?? "127.0.0.1")
    .option("--port <port>", "port to listen on (env PANDA_PORT)", parsePort, process.env.PANDA_PORT ? parsePort(process.env.PANDA_PORT) : DEFAULT_PORT)
    .option("--device <device>", "cpu | cuda[:N] | dml[:N] | coreml (env PANDA_DEVICE)", parseDeviceOption, parseDevice(process.env.PANDA_DEVICE ?? "cpu"))
    .option("--models <dir...>", "folders of generator bundles (env PANDA_MODELS)", defaultModelDirs())
    .option("--allow-origin <origin...>", "extra browser origins allowed to call the API", [])
    .option("--data-dir <dir>", "where saved factorisations live (env PANDA_DATA_DIR)", defaultDataDir())
    .option("--quiet", "log warnings and errors only")
    .option("--log-requests", "log every request and response")
    .action(async (opts) => {
      const app = await startServer({
        host: opts.host,
        port: opts.port,
        device: opts.device,
        modelDirs: opts.models,
        allowedOrigins: opts.allowOrigin,
        dataDir: opts.dataDir,
        webRoot: DEFAULT_WEB_ROOT,
        logger: { level: opts.quiet ? "warn" : "info" },
        logRequests: Boolean(opts.logRequests),
      });
      const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      // One plain line for the person who ran `npm start`; the JSON log goes on beside it.
      process.stdout.write(`PandA Studio is ready at http://${shown}:${(app.server.address() as { port: number }).port}/\n`);
    });
}
