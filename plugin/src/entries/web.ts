/**
 * The web build's entry: the editor fills the page and the PandA panel mounts in its dock. The
 * server's build (dist/web) talks to the companion server that served it. The standalone site
 * (build:static → dist/static) asks first whether a companion server serves it — or, with
 * `?server=http://127.0.0.1:8710` in its address, that server on another origin (started with
 * `--allow-origin <this site>`) — and uses it if so; otherwise the shipped model runs in the page.
 */
import { EditorApp } from "../editor/ui/app";
import { WebHost } from "../hosts/web/web-host";
import { MountedPanel, mountPanel } from "../panel";
import type { PandaClient } from "../client/client";
import { InBrowserPandaClient } from "../engine/in-browser-client";
import { BundleFiles, DownloadProgress } from "../engine/bundle-files";
import { loadOrtWeb } from "../engine/ort-web";
import { parseSiteManifest, SITE_FILE } from "../engine/static-site";
import { HttpPandaClient } from "../client/http-client";
import { PageTail, serverTailInputs } from "../engine/page-tail";
import type { PanelModelOptions } from "../model/panel-model";

/** true in the standalone site's build (webpack's DefinePlugin, build:static) */
declare const PANDA_STATIC_SITE: boolean;

declare global {
  interface Window {
    /** the running editor, its host and panel: for tests and for poking around in devtools */
    pandaStudio?: { app: EditorApp; host: WebHost; panel: MountedPanel | null };
  }
}

const app = new EditorApp(document.getElementById("app")!);
const host = new WebHost(app.store, app.status);
let panel: MountedPanel | null = null;
window.pandaStudio = { app, host, panel };

/** The LAN-mode token from the address the server printed (…/#token=…), taken off the address bar at once. */
function tokenFromAddress(): string | undefined {
  const token = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
  if (token) history.replaceState(null, "", location.pathname + location.search);
  return token;
}

/** The companion server the static site asks for: `?server=` (another origin) or the page's own. */
function companionServer(): { url: string; named: boolean } {
  const named = new URLSearchParams(location.search).get("server");
  if (named) {
    try {
      return { url: new URL(named).origin, named: true };
    } catch {
      // not an address: the page's own origin, and the panel says why (see startStaticSite)
    }
  }
  return { url: location.origin, named: false };
}

/** Whether the companion server answers /api/health (a LAN-mode server answers 401 without the token). */
async function serverAnswers(serverUrl: string): Promise<boolean> {
  try {
    const response = await fetch(new URL("/api/health", serverUrl).href, { headers: { accept: "application/json" } });
    if (response.status === 401) return true;
    return response.ok && ((await response.json()) as { status?: unknown }).status === "ok";
  } catch {
    return false;
  }
}

/** The in-browser engine when this page is the standalone site; undefined when it is not one. */
async function inBrowserEngine(onProgress: (p: DownloadProgress) => void): Promise<InBrowserPandaClient | undefined> {
  const siteUrl = new URL(".", location.href).href;
  let response: Response;
  try {
    response = await fetch(new URL(SITE_FILE, siteUrl).href, { cache: "no-cache" });
  } catch {
    return undefined;
  }
  if (!response.ok) return undefined;
  const site = parseSiteManifest(await response.json());
  const files = new BundleFiles({ siteUrl, files: site.files, onProgress });
  // a rebuilt site: its older files are dead weight in the cache (tens of MB a build)
  void files.pruneStale().catch(() => undefined);
  const ortUrl = new URL(site.ort, siteUrl).href;
  return new InBrowserPandaClient({ siteUrl, site, files, ort: () => loadOrtWeb(ortUrl, (file) => files.bytes(site.ort + file)) });
}

/**
 * The live preview's frames rendered in the tail worker beside the editor (tail-worker.js), with
 * ONNX Runtime Web's WebAssembly build from the site's ort/ folder (the companion server serves it
 * there too): from the server's image features with a server, from the page's own without one.
 */
const createLocalPreview: NonNullable<PanelModelOptions["createLocalPreview"]> = (client, options) => {
  if (!PageTail.supported(options.limitBytes)) return null;
  const inputs = client instanceof HttpPandaClient ? serverTailInputs(client) : client instanceof InBrowserPandaClient ? client.tailInputs() : null;
  if (!inputs) return null;
  const site = new URL(".", location.href);
  return new PageTail({ inputs, workerUrl: new URL("tail-worker.js", site).href, ortUrl: new URL("ort/", site).href, ...options });
};

function mount(options: { inBrowser?: PandaClient; inBrowserReason?: string; serverUrl?: string; serverUrlForVisit?: string } = {}): MountedPanel {
  panel = mountPanel(app.dock, host, { serverUrl: location.origin, token: tokenFromAddress(), createLocalPreview, ...options });
  window.pandaStudio = { app, host, panel };
  return panel;
}

async function startStaticSite(): Promise<void> {
  let download: ((p: DownloadProgress) => void) | null = null;
  const server = companionServer();
  const inBrowser = (await serverAnswers(server.url)) ? undefined : await inBrowserEngine((p) => download?.(p));
  const asked = new URLSearchParams(location.search).get("server");
  const inBrowserReason =
    asked === null
      ? undefined
      : server.named
        ? `The companion server at ${server.url} did not answer this page, so the model runs here. Is it running, started with "npm start -- --allow-origin ${location.origin}"?`
        : `"${asked}" is not a server address (write ?server=http://127.0.0.1:8710), so the model runs here.`;
  // a server named in the address is the one meant for this visit, whatever address the panel remembers
  const mounted = mount({ inBrowser, inBrowserReason, serverUrl: server.url, serverUrlForVisit: server.named && !inBrowser ? server.url : undefined });
  if (!inBrowser) return;
  const model = mounted.model;
  download = (p) => model.showDownload(p.loaded >= p.total ? null : { file: p.file, loaded: p.loaded, total: p.total });
  // fetch and compile the model now: the first Generate then does not wait for the download
  inBrowser.prepare().catch((err: Error) => model.store.update({ error: `The model could not be loaded in this browser: ${err.message}` }));
}

/** The editor stays usable without its panel; say why the panel is missing. */
function panelFailed(err: Error): void {
  app.dock.textContent = `The PandA panel could not start: ${err.message}`;
  app.status.show(`PandA panel: ${err.message}`, "error", false);
}

if (PANDA_STATIC_SITE) {
  startStaticSite().catch(panelFailed);
} else {
  try {
    mount();
  } catch (err) {
    panelFailed(err as Error);
  }
}
