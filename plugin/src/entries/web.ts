/**
 * The web build's entry: the editor fills the page and the PandA panel mounts in its dock,
 * talking to the companion server that served this page.
 */
import { EditorApp } from "../editor/ui/app";
import { WebHost } from "../hosts/web/web-host";
import { MountedPanel, mountPanel } from "../panel";

declare global {
  interface Window {
    /** the running editor, its host and panel: for tests and for poking around in devtools */
    pandaStudio?: { app: EditorApp; host: WebHost; panel: MountedPanel | null };
  }
}

const app = new EditorApp(document.getElementById("app")!);
const host = new WebHost(app.store, app.status);
let panel: MountedPanel | null = null;
/** The LAN-mode token from the address the server printed (…/#token=…), taken off the address bar at once. */
function tokenFromAddress(): string | undefined {
  const token = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
  if (token) history.replaceState(null, "", location.pathname + location.search);
  return token;
}
try {
  panel = mountPanel(app.dock, host, { serverUrl: location.origin, token: tokenFromAddress() });
} catch (err) {
  // The editor stays usable without its panel; say why the panel is missing.
  app.dock.textContent = `The PandA panel could not start: ${(err as Error).message}`;
  app.status.show(`PandA panel: ${(err as Error).message}`, "error", false);
}
window.pandaStudio = { app, host, panel };
