/** The panel's whole state: what the views render and what the actions read. */
import { PREVIEW_STRENGTH, STRENGTH_LIMIT } from "./strength";
import type { DocumentInfo, LayerRef } from "../hosts/host";
import type { ImagePlacement, PlacementSettings } from "./placement";
import type { LayerOrigin } from "./layer-origin";
import type { Preferences, SaliencyOutput } from "./settings";
import type { LocalPreviewStatus } from "./local-preview";
import type { CreateFactorisationRequest, FactorisationSummary, Health, ModelInfo } from "../client/client";

export type SolverName = NonNullable<CreateFactorisationRequest["solver"]>;

export type MaskKind = "binary" | "soft";

export type ConnectionStatus = "connecting" | "connected" | "offline";

/** Where the model runs: the companion server, or this page alone (ONNX Runtime Web, the static site). */
export type EngineKind = "server" | "browser";

/** Bytes of the model arriving in the page (in-browser engine only). */
export interface DownloadState {
  file: string;
  loaded: number;
  total: number;
}

export interface Connection {
  engine: EngineKind;
  status: ConnectionStatus;
  serverUrl: string;
  /** the LAN-mode token sent with every request; null for a loopback server */
  token: string | null;
  health: Health | null;
  /** engine "browser": why, when the page was asked to use a server that did not answer */
  inBrowserReason: string | null;
}

export interface GenerateSettings {
  seed: number;
  truncation: number;
}

export interface DiscoverSettings {
  parts: number;
  /** null: as many as the layer has channels (what the paper uses) */
  appearances: number | null;
  samples: number;
  solver: SolverName;
  /** the same seed finds the same parts */
  seed: number;
}

/**
 * The generated image the parts and edits apply to: the one the document's active layer shows
 * (or was derived from), and that layer.
 */
export interface CurrentImage {
  /** the server's id of the image (generated again from the layer's latent after a reopen) */
  id: string;
  model: string;
  seed: number | null;
  width: number;
  height: number;
  /** the active layer: masks go onto it */
  layer: LayerRef;
  /** where its layer went; every layer, mask and selection derived from it goes the same way */
  placement: ImagePlacement;
  /** what PandA keeps with the layer (model, latent, truncation, parts and edits) */
  origin: LayerOrigin;
}

export interface JobProgress {
  id: string;
  fraction: number;
  /** false while no fraction is known yet (queued, starting): the bar shows activity, not 0 % */
  determinate: boolean;
  message: string;
  cancelling: boolean;
}

export interface PartView {
  index: number;
  /** data: URL of the part drawn over the image */
  thumbnail: string;
  coverage: number;
}

export interface AppearanceView {
  index: number;
  /**
   * data: URL: with parts picked, the image edited by this appearance at the preview strength (the
   * appearance browser); without, its saliency heat map. null while loading.
   */
  thumbnail: string | null;
  /** its place in the ranking for the picked parts (0 = best); null for heat maps */
  rank: number | null;
  /** the edit's measured mean pixel change inside and outside the picked parts (0…1); null for heat maps */
  change: { inside: number; outside: number } | null;
}

/** The appearance browser's order: best for the picked parts first, or by number. */
export type AppearanceOrder = "best" | "number";

export interface PanelState {
  connection: Connection;
  models: ModelInfo[];
  modelId: string | null;
  layerId: string | null;
  generate: GenerateSettings;
  /** the host's open document as last seen (the placement choice shows only when it matters) */
  document: DocumentInfo | null;
  /** how the next generated image is placed in a document of another size */
  placement: PlacementSettings;
  image: CurrentImage | null;
  /** why the active layer has no PandA image (e.g. PandA did not make it); null when it has one or there is none */
  layerNote: string | null;
  factorisations: FactorisationSummary[];
  factorisationId: string | null;
  /** the set whose Delete was clicked once: a second click deletes it */
  confirmDelete: string | null;
  discover: DiscoverSettings;
  job: JobProgress | null;
  parts: PartView[];
  /** the first picked part (null: none); partIndices has them all */
  partIndex: number | null;
  /** every picked part (Shift+click adds one): masks, edits and removal use their union */
  partIndices: number[];
  /** masks and selections: a hard edge, or soft (feathered) */
  maskKind: MaskKind;
  /** panel sections folded to their title */
  folded: string[];
  /** the "How PandA works" section is open */
  help: boolean;
  /** the thumbnails shown so far: ranked for the picked parts (or by number), or heat maps when no part is picked */
  appearances: AppearanceView[];
  /** the user's favourite appearances of this set, as previews for the picked parts */
  favourites: AppearanceView[];
  appearanceOrder: AppearanceOrder;
  /** the strength of the previews (calibrated units) */
  previewStrength: number;
  /** the appearance whose preview is shown large (the pointer is over it) */
  hoverAppearance: number | null;
  /** R_C of the current factorisation: how many appearances there are in all */
  appearanceCount: number;
  /** per appearance, λ per unit of strength: half the span of its coordinates over the factorisation's samples */
  appearanceScales: number[];
  appearanceIndex: number | null;
  /** in the appearance's own units (model/strength.ts): 1 is a clear edit */
  strength: number;
  /** the slider runs from −strengthLimit to +strengthLimit (see model/strength.ts) */
  strengthLimit: number;
  /** the saliency layer's pixels: the gray heat map or its colour-mapped version */
  saliencyOutput: SaliencyOutput;
  /** what the panel is doing now, e.g. "Generating…"; null when idle */
  busy: string | null;
  /** the last failure, in words the user can act on */
  error: string | null;
  /** the last success worth telling, e.g. "Added layer …" */
  notice: string | null;
  /** the model's files arriving in the page (in-browser engine), null when none are */
  download: DownloadState | null;
  /** the live preview rendered in the page with a server (local-preview.ts); null where the panel cannot (Photoshop, the page alone) */
  pagePreview: { enabled: boolean; status: LocalPreviewStatus | null } | null;
}

export const DEFAULT_SEED = 1;

export function initialState(serverUrl: string, preferences: Preferences, token: string | null = null, engine: EngineKind = "server", inBrowserReason: string | null = null): PanelState {
  return {
    connection: { engine, status: "connecting", serverUrl, token, health: null, inBrowserReason },
    models: [],
    modelId: null,
    layerId: null,
    generate: { seed: DEFAULT_SEED, truncation: 1 },
    document: null,
    placement: preferences.placement,
    image: null,
    layerNote: null,
    factorisations: [],
    factorisationId: null,
    confirmDelete: null,
    discover: { parts: 8, appearances: null, samples: 256, solver: "fast", seed: preferences.discoverSeed },
    job: null,
    parts: [],
    partIndex: null,
    partIndices: [],
    maskKind: "binary",
    folded: [],
    help: false,
    appearances: [],
    favourites: [],
    appearanceOrder: "best",
    previewStrength: PREVIEW_STRENGTH,
    hoverAppearance: null,
    appearanceCount: 0,
    appearanceScales: [],
    appearanceIndex: null,
    strength: 0,
    strengthLimit: STRENGTH_LIMIT,
    saliencyOutput: preferences.saliencyOutput,
    busy: null,
    error: null,
    notice: null,
    download: null,
    pagePreview: null,
  };
}
