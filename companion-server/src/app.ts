/**
 * Builds the companion server as a fastify app: plugins (runtime, guard, errors) and one
 * encapsulated plugin per resource. It never listens; server.ts does (tests use inject()).
 */
import Fastify, { FastifyInstance, FastifyServerOptions, LogController } from "fastify";
import { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import websocket from "@fastify/websocket";
import fastifyStatic from "@fastify/static";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { Socket } from "node:net";
import { GeneratorRegistry } from "./runtime/generator-registry";
import { DeviceRequest, SessionFactory } from "./runtime/execution-providers";
import runtimePlugin from "./plugins/runtime";
import errorHandler from "./plugins/error-handler";
import requestGuard from "./plugins/request-guard";
import protocolGuard from "./plugins/protocol-guard";
import { clientErrorHandler, MAX_PARAM_LENGTH, refuseExpectation, routerErrorHandler } from "./http/parser-errors";
import { AccessToken } from "./security/access-token";
import { EVENTS_PROTOCOL } from "./api/auth";
import { compileValidator } from "./plugins/validation";
import healthRoutes from "./routes/health";
import modelRoutes from "./routes/models";
import generateRoutes from "./routes/generate";
import factorisationsPlugin from "./plugins/factorisations";
import jobsPlugin from "./plugins/jobs";
import imagePartsPlugin from "./plugins/image-parts";
import factorisationRoutes from "./routes/factorisations";
import jobRoutes from "./routes/jobs";
import eventRoutes from "./routes/events";
import imagePartRoutes from "./routes/image-parts";
import previewFileRoutes from "./routes/preview-files";
import { ORT_WEB_FILES, ORT_WEB_PREFIX } from "./api/preview-files";
import { defaultDataDir } from "./store/data-dir";
import { FitLimits } from "./engine/panda/fit-plan";
import { DEFAULT_IMAGE_CACHE_BYTES } from "./runtime/image-cache";

export interface AppOptions {
  /** folders holding bundles (each sub-folder with a model.json) */
  modelDirs: string[];
  device?: DeviceRequest;
  /** the address the server will listen on; requests must name it (or loopback) in Host */
  host?: string;
  allowedOrigins?: string[];
  /** bytes of generated images and their features kept for edits (default 512 MiB) */
  imageCacheBytes?: number;
  bodyLimit?: number;
  /** folder of the built web editor, served at / when present */
  webRoot?: string;
  logger?: FastifyServerOptions["logger"];
  /** log every request and response (off by default) */
  logRequests?: boolean;
  /** the user's data folder (saved factorisations); default PANDA_DATA_DIR or ~/.panda-studio */
  dataDir?: string;
  /** factorisation jobs queued or running at once (default 8); more get 429 */
  jobLimit?: number;
  /** LAN mode: the token every API request and the WebSocket must present */
  token?: AccessToken;
  /** threads for per-request pixel maths (masks, RGBA); default: half the cores, one to four */
  imagingThreads?: number;
  /** limits factorisation jobs are planned against (default: 80 % of memory, the temp folder's free space) */
  fitLimits?: Partial<FitLimits>;
}

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // Request lines are off by default: the panel polls /api/health, which would flood the log.
  const app = Fastify({
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit,
    forceCloseConnections: true,
    // Node would answer a missing Host with an empty 400; the request guard answers it in JSON.
    http: { requireHostHeader: false },
    clientErrorHandler,
    frameworkErrors: routerErrorHandler,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.on("checkExpectation", refuseExpectation);
  // A client that half-closes after an early answer leaves a socket Node no longer tracks, which
  // would hold close() up forever: every socket still open when the app closes is ended.
  const sockets = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  app.addHook("preClose", async () => {
    for (const socket of sockets) socket.destroy();
  });
  app.setValidatorCompiler(compileValidator);
  // JSON only: a text body is refused with 415 rather than failing validation later.
  app.removeContentTypeParser("text/plain");
  const log = (message: string) => app.log.warn(message);
  const registry = new GeneratorRegistry(options.modelDirs, new SessionFactory(options.device, log));
  for (const failure of registry.failures) app.log.error(`model bundle not loaded: ${failure.message}`);

  await app.register(errorHandler, { bodyLimit });
  await app.register(requestGuard, { host: options.host ?? "127.0.0.1", allowedOrigins: options.allowedOrigins ?? [], token: options.token });
  await app.register(protocolGuard);
  await app.register(runtimePlugin, { registry, imageCacheBytes: options.imageCacheBytes ?? DEFAULT_IMAGE_CACHE_BYTES, imagingThreads: options.imagingThreads });
  // A browser that offered subprotocols (the token rides as one) fails the connection unless one is selected.
  const handleProtocols = (offered: Set<string>) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false);
  await app.register(websocket, { options: { maxPayload: 64 * 1024, handleProtocols } });
  await app.register(factorisationsPlugin, { dataDir: options.dataDir ?? defaultDataDir() });
  await app.register(jobsPlugin, { limit: options.jobLimit, fitLimits: options.fitLimits });
  await app.register(imagePartsPlugin);

  const apiRoutes: string[] = [];
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/api")) for (const m of [route.method].flat()) if (m !== "HEAD") apiRoutes.push(`${m} ${route.url}`);
  });
  await app.register(healthRoutes);
  await app.register(modelRoutes);
  await app.register(generateRoutes);
  await app.register(factorisationRoutes);
  await app.register(jobRoutes);
  await app.register(eventRoutes);
  await app.register(imagePartRoutes);
  await app.register(previewFileRoutes);
  app.get("/api", async () => ({ routes: apiRoutes }));

  if (options.webRoot && existsSync(options.webRoot)) {
    await app.register(fastifyStatic, { root: options.webRoot, prefix: "/", index: ["index.html"] });
    // the editor runs the live preview's tail in the page: ONNX Runtime Web's WebAssembly build,
    // from the installed package (a dev dependency, like the editor's build: without it the page asks the server for every step)
    const ortRoot = ortWebFolder();
    const ortFiles = new Set<string>(ORT_WEB_FILES.map((f) => `/${f}`)); // paths under the prefix
    if (ortRoot) await app.register(fastifyStatic, { root: ortRoot, prefix: ORT_WEB_PREFIX, decorateReply: false, allowedPath: (path) => ortFiles.has(path) });
  }
  return app;
}

/** The folder of ONNX Runtime Web's browser builds, or null when the package is not installed. */
function ortWebFolder(): string | null {
  try {
    return dirname(require.resolve("onnxruntime-web"));
  } catch {
    return null;
  }
}
