import { Command, InvalidArgumentError } from "commander";
import { parseDevice } from "../../runtime/execution-providers";
import { startServer } from "../../server";
import { DEFAULT_WEB_ROOT, defaultModelDirs } from "../paths";
import { defaultDataDir } from "../../store/data-dir";
import { isLoopbackHost, parseAllowedOrigin } from "../../security/origins";
import { loadOrCreateToken, TokenFileError } from "../../security/access-token";
import { CliError } from "../errors";
import { networkInterfaces } from "node:os";

/** The address to show for a wildcard bind: the first address other machines can reach. */
function reachableAddress(host: string): string {
  if (host !== "0.0.0.0" && host !== "::") return host;
  const external = Object.values(networkInterfaces()).flatMap((list) => list ?? []).find((a) => !a.internal && a.family === "IPv4");
  return external?.address ?? host;
}

/** LAN mode's token, or a refusal to start: beyond loopback nothing may run without one. */
function lanToken(dataDir: string) {
  try {
    return loadOrCreateToken(dataDir);
  } catch (err) {
    if (err instanceof TokenFileError) throw new CliError(`refusing to listen beyond loopback without a usable token: ${err.message}`);
    throw new CliError(`refusing to listen beyond loopback: the token file cannot be written in ${dataDir} (${(err as Error).message})`);
  }
}
import { parseInteger } from "./common";
import { DEFAULT_JOB_LIMIT } from "../../plugins/jobs";
import { resolve } from "node:path";

export const DEFAULT_PORT = 8710;
const MIB = 2 ** 20;
/** Each queued job holds its plan and, when it runs, its samples: a thousand is already far past one machine. */
const MAX_JOB_LIMIT = 1000;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("a port is an integer 0…65535");
  return port;
}

function collectOrigin(text: string, previous: string[]): string[] {
  try {
    return [...previous, parseAllowedOrigin(text)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function parseDeviceOption(text: string) {
  try {
    return parseDevice(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** An option's value from the environment, refused in the same words as on the command line. */
function envInteger(name: string, parse: (text: string) => number): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  try {
    return parse(text);
  } catch (err) {
    throw new CliError(`${name}=${text} is invalid: ${(err as Error).message}`);
  }
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the companion server and the web editor")
    .option("--host <host>", "address to listen on (env PANDA_HOST); beyond 127.0.0.1, ::1 and localhost every request needs the token (LAN mode)", process.env.PANDA_HOST ?? "127.0.0.1")
    .option("--port <port>", "port to listen on (env PANDA_PORT)", parsePort, process.env.PANDA_PORT ? parsePort(process.env.PANDA_PORT) : DEFAULT_PORT)
    .option("--device <device>", "cpu | cuda[:N] | dml[:N] | coreml (env PANDA_DEVICE)", parseDeviceOption, parseDevice(process.env.PANDA_DEVICE ?? "cpu"))
    .option("--models <dir...>", "folders of generator bundles (env PANDA_MODELS)", defaultModelDirs())
    .option("--allow-origin <origin...>", "sites allowed to call the API from a browser (CORS), exactly scheme://host:port, e.g. the standalone site on a static host", collectOrigin, [])
    .option("--data-dir <dir>", "where saved factorisations live (env PANDA_DATA_DIR)", defaultDataDir())
    .option("--image-cache <MiB>", "memory for generated images and their features kept for edits", parseInteger(1), 512)
    .option("--feature-memory <MiB>", "a factorisation keeps features up to this size in memory, larger ones in a temporary file", parseInteger(0), 1024)
    .option("--memory-limit <MiB>", "refuse factorisations that need more memory (default: 80 % of this machine's)", parseInteger(1))
    .option("--max-jobs <n>", `factorisation jobs queued or running at once, more are refused with 429 (env PANDA_MAX_JOBS; default ${DEFAULT_JOB_LIMIT})`, parseInteger(1, MAX_JOB_LIMIT))
    .option("--temp-dir <dir>", "folder for factorisations' temporary feature files (default: the system's)")
    .option("--quiet", "log warnings and errors only")
    .option("--log-requests", "log every request and response")
    .action(async (opts) => {
      const lan = isLoopbackHost(opts.host) ? null : lanToken(opts.dataDir);
      const app = await startServer({
        token: lan?.token,
        host: opts.host,
        port: opts.port,
        device: opts.device,
        modelDirs: opts.models,
        allowedOrigins: opts.allowOrigin,
        dataDir: opts.dataDir,
        webRoot: DEFAULT_WEB_ROOT,
        logger: { level: opts.quiet ? "warn" : "info" },
        logRequests: Boolean(opts.logRequests),
        imageCacheBytes: opts.imageCache * MIB,
        jobLimit: opts.maxJobs ?? envInteger("PANDA_MAX_JOBS", parseInteger(1, MAX_JOB_LIMIT)) ?? DEFAULT_JOB_LIMIT,
        fitLimits: {
          featureMemoryBudget: opts.featureMemory * MIB,
          ...(opts.memoryLimit !== undefined ? { memoryLimit: opts.memoryLimit * MIB } : {}),
          ...(opts.tempDir !== undefined ? { tempDir: resolve(opts.tempDir) } : {}),
        },
      });
      const address = reachableAddress(opts.host);
      const url = `http://${address.includes(":") ? `[${address}]` : address}:${(app.server.address() as { port: number }).port}/`;
      // One plain line for the person who ran `npm start`; the JSON log goes on beside it.
      process.stdout.write(`PandA Studio is ready at ${url}\n`);
      if (lan?.created)
        process.stdout.write(
          `LAN mode: every request needs this token (shown only now; it is kept in ${lan.token.file}):\n  ${lan.value}\n` +
            `Open ${url}#token=${lan.value} in a browser, or enter the address and token under Server in the Photoshop panel.\n`,
        );
      else if (lan) process.stdout.write(`LAN mode: every request needs the token kept in ${lan.token.file}\n`);
    });
}
