/**
 * The panel's entry point for every editor: `mountPanel` renders the PandA panel into a
 * container and drives the given Host. The web editor and the Photoshop plugin both call it.
 */
import { render } from "lit";
import type { Host } from "../hosts/host";
import type { PandaClient } from "../client/client";
import { HttpPandaClient } from "../client/http-client";
import { PanelModel, PanelModelOptions } from "../model/panel-model";
import type { PreviewTiming } from "../model/live-preview";
import { KeyValueStorage, Settings } from "../model/settings";
import { PANEL_CSS } from "./styles";
import { panelView } from "./views/panel-view";
import "./components";

export interface PanelOptions {
  /** the companion server's address, unless the user saved another one */
  serverUrl: string;
  /** a LAN-mode token handed over by the page address (#token=…); remembered like one typed in */
  token?: string;
  /** how often the server's health is checked, in ms (0: never) */
  healthIntervalMs?: number;
  /** the model runs in this page through this client (the static site without a server); default: the server at serverUrl */
  inBrowser?: PandaClient;
  /** with inBrowser: why the page runs the model itself, when a server was asked for (shown under the status) */
  inBrowserReason?: string;
  /** the server the page's address names (?server=): used for this visit instead of a remembered one */
  serverUrlForVisit?: string;
  /** renders the live preview in a worker of this page where the model allows (the web editor) */
  createLocalPreview?: PanelModelOptions["createLocalPreview"];
}

export interface MountedPanel {
  readonly model: PanelModel;
  unmount(): void;
}

/** How long a success message stays; errors stay until the next action. */
const NOTICE_MS = 6000;

/** Fired on the container each time the live preview layer shows a new strength (detail: { strength, requestMs, drawMs }). */
export const PREVIEW_SHOWN_EVENT = "panda-preview-shown";

export function mountPanel(container: HTMLElement, host: Host, options: PanelOptions): MountedPanel {
  const settings = new Settings(browserStorage());
  if (options.token) settings.rememberToken(options.token);
  const model = new PanelModel({
    host,
    createClient: (url, token) => options.inBrowser ?? new HttpPandaClient(url, { token }),
    engine: options.inBrowser ? "browser" : "server",
    inBrowserReason: options.inBrowserReason,
    createLocalPreview: options.createLocalPreview,
    settings,
    defaultServerUrl: options.serverUrl,
    serverUrlForVisit: options.serverUrlForVisit,
    onPreviewShown: (strength, timing) => announcePreview(container, strength, timing),
  });
  const style = document.createElement("style");
  style.textContent = PANEL_CSS;
  const root = document.createElement("div");
  root.className = "panda-root";
  container.append(style, root);
  // the user may have opened or resized a document since the last check: its size decides the placement choice
  root.addEventListener("pointerenter", () => void model.refreshDocument());
  // the panel acts on the active layer: follow it as soon as the host says it changed
  const unsubscribeHost = host.onChange?.(() => void model.syncActiveLayer()) ?? (() => undefined);

  const context = { model, uxp: host.kind === "photoshop" };
  const draw = () => render(panelView(model.state, context), root);
  const unsubscribe = model.store.subscribe(draw);
  const unsubscribeNotices = dismissNoticesAfter(model, NOTICE_MS);
  draw();
  void model.connect();
  const interval = options.healthIntervalMs ?? 5000;
  const timer = interval > 0 ? setInterval(() => void model.checkConnection(), interval) : null;

  return {
    model,
    unmount() {
      if (timer) clearInterval(timer);
      unsubscribeHost();
      unsubscribe();
      unsubscribeNotices();
      render(null, root);
      style.remove();
      root.remove();
    },
  };
}

/** Success messages go after a while, so an old one is not mistaken for news. */
function dismissNoticesAfter(model: PanelModel, ms: number): () => void {
  let shown: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = model.store.subscribe(({ notice }) => {
    if (notice === shown) return;
    shown = notice;
    if (timer) clearTimeout(timer);
    timer = notice === null ? null : setTimeout(() => model.dismissNotice(notice), ms);
  });
  return () => {
    if (timer) clearTimeout(timer);
    unsubscribe();
  };
}

/** Tells listeners (the latency bench) that a preview frame is in the document; quiet where CustomEvent is missing. */
function announcePreview(container: HTMLElement, strength: number, timing: PreviewTiming): void {
  if (typeof CustomEvent === "function") container.dispatchEvent(new CustomEvent(PREVIEW_SHOWN_EVENT, { bubbles: true, detail: { strength, ...timing } }));
}

function browserStorage(): KeyValueStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage can throw when disabled
  }
}
