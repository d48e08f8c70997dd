/**
 * The PandaClient over HTTP and WebSocket. Pixels come raw (Accept: application/octet-stream):
 * no PNG decoding in the panel (UXP cannot) and no encoding cost on the live-preview path.
 */
import type { ErrorBody } from "@server-api/errors";
import type { ModelList } from "@server-api/models";
import type { FactorisationList, JobAccepted } from "@server-api/factorisations";
import type { GrayImage, PixelImage } from "../hosts/host";
import type { FactorisationListQuery } from "@server-api/factorisations";
import type { EditRequest, MaskRequest, RemovalRequest, SaliencyRequest } from "@server-api/image-parts";
import type { ModelFiles } from "@server-api/preview-files";
import type {
  AppearanceBrowser,
  AppearanceBrowserRequest,
  CreateFactorisationRequest,
  FactorisationDetail,
  FactorisationSummary,
  GeneratedImage,
  GenerateRequest,
  HeatMap,
  Health,
  ImageInfo,
  JobRun,
  ModelInfo,
  NotesPatchRequest,
  PandaClient,
  PartThumbnails,
  SaliencySource,
} from "./client";
import { eventProtocols } from "@server-api/auth";
import { ClientError, unreachable } from "./errors";
import { JobEventSocket, WebSocketFactory } from "./job-events";
import { asGray, asRgba, IMAGE_HEADER, readRawHeat, readRawImage } from "./pixels";

export interface HttpClientOptions {
  /** defaults to the global WebSocket (browser, UXP) */
  webSocket?: WebSocketFactory;
  /** defaults to the global fetch */
  fetch?: FetchLike;
  /** the server's LAN-mode token: a Bearer header on requests, a subprotocol on the WebSocket */
  token?: string | null;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const RAW = "application/octet-stream";

/** Paths of the per-image routes, in one place. */
const imageRoute = (imageId: string, what: "parts" | "masks" | "saliency" | "edits" | "removal" | "appearances") => `/api/images/${encodeURIComponent(imageId)}/${what}`;

export class HttpPandaClient implements PandaClient {
  readonly serverUrl: string;
  private readonly webSocket: WebSocketFactory | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly token: string | null;

  constructor(serverUrl: string, options: HttpClientOptions = {}) {
    this.serverUrl = serverUrl.replace(/\/+$/, "");
    this.token = options.token ?? null;
    this.webSocket = options.webSocket ?? (globalThis.WebSocket as WebSocketFactory | undefined);
    this.fetchImpl = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  health(signal?: AbortSignal): Promise<Health> {
    return this.json<Health>("GET", "/api/health", undefined, signal);
  }

  async models(): Promise<ModelInfo[]> {
    return (await this.json<ModelList>("GET", "/api/models")).models;
  }

  async generate(request: GenerateRequest): Promise<GeneratedImage> {
    const response = await this.send("POST", "/api/generate", request, RAW);
    const seed = response.headers.get(IMAGE_HEADER.seed);
    const id = response.headers.get(IMAGE_HEADER.id);
    if (!id) throw new ClientError("protocol", "the server did not name the generated image");
    return { id, model: request.model, seed: seed === null ? null : Number(seed), image: asRgba(await readRawImage(response)) };
  }

  imageInfo(imageId: string): Promise<ImageInfo> {
    return this.json<ImageInfo>("GET", `/api/images/${encodeURIComponent(imageId)}`);
  }

  async factorisations(query: FactorisationListQuery): Promise<FactorisationSummary[]> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return (await this.json<FactorisationList>("GET", `/api/factorisations?${params}`)).factorisations;
  }

  updateNotes(id: string, patch: NotesPatchRequest): Promise<FactorisationSummary> {
    return this.json<FactorisationSummary>("PATCH", `/api/factorisations/${encodeURIComponent(id)}`, patch);
  }

  appearanceBrowser(imageId: string, request: AppearanceBrowserRequest): Promise<AppearanceBrowser> {
    return this.json<AppearanceBrowser>("POST", imageRoute(imageId, "appearances"), request);
  }

  async deleteFactorisation(id: string): Promise<void> {
    await this.send("DELETE", `/api/factorisations/${encodeURIComponent(id)}`);
  }

  factorisation(id: string): Promise<FactorisationDetail> {
    return this.json<FactorisationDetail>("GET", `/api/factorisations/${encodeURIComponent(id)}`);
  }

  async startFactorisation(request: CreateFactorisationRequest): Promise<JobRun> {
    if (!this.webSocket) throw new ClientError("protocol", "this environment has no WebSocket; job progress cannot be followed");
    let socket: JobEventSocket;
    try {
      socket = await JobEventSocket.open(this.wsUrl("/api/events"), this.webSocket, eventProtocols(this.token));
    } catch {
      throw unreachable(this.serverUrl);
    }
    try {
      const accepted = await this.json<JobAccepted>("POST", "/api/factorisations", request);
      return { jobId: accepted.jobId, factorisationId: accepted.factorisationId, events: socket.eventsOf(accepted.jobId) };
    } catch (err) {
      socket.close();
      throw err;
    }
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.send("DELETE", `/api/jobs/${encodeURIComponent(jobId)}`);
  }

  partThumbnails(imageId: string, factorisation: string, options: { refine?: boolean } = {}): Promise<PartThumbnails> {
    const query = new URLSearchParams({ factorisation, ...(options.refine ? { refine: "true" } : {}) });
    return this.json<PartThumbnails>("GET", `${imageRoute(imageId, "parts")}?${query}`);
  }

  async partMask(imageId: string, request: MaskRequest): Promise<GrayImage> {
    return asGray(await readRawImage(await this.send("POST", imageRoute(imageId, "masks"), request, RAW)));
  }

  async saliencyHeat(imageId: string, source: SaliencySource): Promise<GrayImage> {
    const request: SaliencyRequest = { ...source, output: "heat" };
    return asGray(await readRawImage(await this.send("POST", imageRoute(imageId, "saliency"), request, RAW)));
  }

  async saliencyHeatMap(imageId: string, source: SaliencySource): Promise<HeatMap> {
    const request: SaliencyRequest = { ...source, output: "heat", bits: 16 };
    return readRawHeat(await this.send("POST", imageRoute(imageId, "saliency"), request, RAW));
  }

  async saliencyMask(imageId: string, source: SaliencySource): Promise<GrayImage> {
    const request: SaliencyRequest = { ...source, output: "mask" };
    return asGray(await readRawImage(await this.send("POST", imageRoute(imageId, "saliency"), request, RAW)));
  }

  async edit(imageId: string, request: EditRequest, signal?: AbortSignal): Promise<PixelImage & { draft: boolean }> {
    const response = await this.send("POST", imageRoute(imageId, "edits"), request, RAW, signal);
    return { ...asRgba(await readRawImage(response)), draft: response.headers.get(IMAGE_HEADER.quality) === "draft" };
  }

  async removal(imageId: string, request: RemovalRequest): Promise<PixelImage> {
    return asRgba(await readRawImage(await this.send("POST", imageRoute(imageId, "removal"), request, RAW)));
  }

  // ── what a page needs to render previews itself (engine/page-tail.ts) ──

  /** The model's tail graphs the server offers a page, with sizes and hashes. */
  modelFiles(model: string): Promise<ModelFiles> {
    return this.json<ModelFiles>("GET", `/api/models/${encodeURIComponent(model)}/files`);
  }

  /** Where one file of modelFiles is (fetch it with `fetchWithToken`). */
  modelFilesUrl(model: string): string {
    return `${this.serverUrl}/api/models/${encodeURIComponent(model)}/files/`;
  }

  /** The image's features at a layer (or an auxiliary tensor), as .npy bytes. */
  imageFeatures(imageId: string, layer: string, tensor = "features"): Promise<Uint8Array> {
    return this.npy(`/api/images/${encodeURIComponent(imageId)}/features?${new URLSearchParams({ layer, tensor })}`);
  }

  /** The factorisation's parts refined for the image (what its masks and edits with `refine` use), as .npy bytes. */
  refinedParts(imageId: string, factorisation: string): Promise<Uint8Array> {
    return this.npy(`/api/images/${encodeURIComponent(imageId)}/refined-parts?${new URLSearchParams({ factorisation })}`);
  }

  /** A factorisation's parts.npy or appearances.npy. */
  factorFile(id: string, file: "parts.npy" | "appearances.npy"): Promise<Uint8Array> {
    return this.npy(`/api/factorisations/${encodeURIComponent(id)}/${file}`);
  }

  private async npy(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send("GET", path, undefined, "application/x-npy")).arrayBuffer());
  }

  /** fetch with this server's token (for downloads that report progress themselves). */
  readonly fetchWithToken: FetchLike = (url, init) => this.fetchImpl(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) } });

  private wsUrl(path: string): string {
    return this.serverUrl.replace(/^http/, "ws") + path;
  }

  private async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return (await (await this.send(method, path, body, "application/json", signal)).json()) as T;
  }

  /** One request; any failure becomes a ClientError carrying the server's own message. */
  private async send(method: string, path: string, body?: unknown, accept = "application/json", signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.serverUrl + path, {
        method,
        headers: {
          accept,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch {
      if (signal?.aborted) throw new ClientError("aborted", "request aborted");
      throw unreachable(this.serverUrl);
    }
    if (response.ok) return response;
    throw await serverError(response);
  }
}

async function serverError(response: Response): Promise<ClientError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === "string") return new ClientError("server", body.message, response.status, body.code);
  } catch {
    // not the server's JSON error body: a proxy or another program answered
  }
  return new ClientError("server", `the server answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`, response.status);
}
