/**
 * What the panel needs from the companion server, as an interface: the model layer depends on
 * this, never on the HTTP implementation, so its tests can use a fake. Request and answer types
 * are the server's own (type-only imports of companion-server/src/api).
 */
import type { GrayImage, PixelImage } from "../hosts/host";
import type { Health } from "@server-api/health";
import type { ModelInfo } from "@server-api/models";
import type { GenerateRequest, ImageInfo } from "@server-api/generate";
import type { CreateFactorisationRequest, FactorisationDetail, FactorisationListQuery, FactorisationSummary, Notes, NotesPatchRequest } from "@server-api/factorisations";
import type { JobEventMessage } from "@server-api/jobs";
import type { AppearanceBrowser, AppearanceBrowserRequest, EditRequest, MaskRequest, PartThumbnails, RemovalRequest, SaliencyRequest } from "@server-api/image-parts";

export type { Health, ModelInfo, GenerateRequest, ImageInfo, CreateFactorisationRequest, FactorisationDetail, FactorisationSummary, JobEventMessage, PartThumbnails, Notes, NotesPatchRequest, AppearanceBrowser, AppearanceBrowserRequest };

/** Which saliency: the output kind (and precision) is chosen by the method called. */
export type SaliencySource = Omit<SaliencyRequest, "output" | "bits">;

/** A heat map at full precision: width·height values in 0…1. */
export interface HeatMap {
  width: number;
  height: number;
  heat: Float32Array;
}

export interface GeneratedImage {
  /** the server's image id: parts, edits and saliency refer to it */
  id: string;
  model: string;
  seed: number | null;
  image: PixelImage;
}

/** A started job: its events end with the first finished, failed or cancelled event. */
export interface JobRun {
  jobId: string;
  factorisationId: string;
  events: AsyncIterable<JobEventMessage>;
}

export interface PandaClient {
  readonly serverUrl: string;
  health(signal?: AbortSignal): Promise<Health>;
  models(): Promise<ModelInfo[]>;
  generate(request: GenerateRequest): Promise<GeneratedImage>;
  /** What made a generated image (its latent and truncation regenerate it); 404 once the server dropped it. */
  imageInfo(imageId: string): Promise<ImageInfo>;
  factorisations(query: FactorisationListQuery): Promise<FactorisationSummary[]>;
  /** One factorisation with its per-appearance saliency statistics (they set the strength scale). */
  factorisation(id: string): Promise<FactorisationDetail>;
  /** Changes the user's notes on a set (name, labels, favourites, chosen set); answers the set's new summary. */
  updateNotes(id: string, patch: NotesPatchRequest): Promise<FactorisationSummary>;
  /** Appearances ranked for parts, with previews of their edits (a page of the ranking, or the ones named). */
  appearanceBrowser(imageId: string, request: AppearanceBrowserRequest): Promise<AppearanceBrowser>;
  /** Deletes a saved factorisation (shipped ones are refused). */
  deleteFactorisation(id: string): Promise<void>;
  /** Subscribes to events first, then starts the job, so a fast job's events are never missed. */
  startFactorisation(request: CreateFactorisationRequest): Promise<JobRun>;
  cancelJob(jobId: string): Promise<void>;
  /** `refine`: the parts fitted to this image (as its masks are, when asked with `refine`) */
  partThumbnails(imageId: string, factorisation: string, options?: { refine?: boolean }): Promise<PartThumbnails>;
  partMask(imageId: string, request: MaskRequest): Promise<GrayImage>;
  /** Where the appearance is present, 0–255 (the concept's min–max over the factorisation's samples). */
  saliencyHeat(imageId: string, request: SaliencySource): Promise<GrayImage>;
  /** The same heat at full precision (16 bits from the server): a display that stretches it shows no steps. */
  saliencyHeatMap(imageId: string, request: SaliencySource): Promise<HeatMap>;
  /** Where the appearance is present: its saliency thresholded at the concept's mean. */
  saliencyMask(imageId: string, request: SaliencySource): Promise<GrayImage>;
  /** `draft` is true when the server's draft tail rendered it (asked with quality "draft"; a full frame must follow). */
  edit(imageId: string, request: EditRequest, signal?: AbortSignal): Promise<PixelImage & { draft?: boolean }>;
  removal(imageId: string, request: RemovalRequest): Promise<PixelImage>;
}
