/**
 * Server status, address and token: both are editable and remembered. The token is needed only
 * for a server in LAN mode (started with --host beyond loopback), which prints it once.
 */
import { html, nothing } from "lit";
import type { PanelState } from "../../model/state";
import { TIPS } from "../tips";
import { progressBar, valueOf, ViewContext } from "./widgets";

const STATUS_TEXT = { connecting: "Connecting…", connected: "Connected", offline: "Server not reachable" } as const;

/** The page alone (static site): where the model runs, its download, and what needs the server. */
function inBrowserView(state: PanelState, { model }: ViewContext) {
  const { health } = state.connection;
  const { download } = state;
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  return html`
    <section class="connection" data-engine="browser">
      <div class="status" data-status=${state.connection.status}>
        <span class="dot connected"></span><span class="status-text">Running ${health?.device.active ?? "in this browser"} · no server</span>
        <sp-button size="s" variant="secondary" treatment="outline" data-action="help" title=${TIPS.help} @click=${() => model.toggleHelp()}>?</sp-button>
      </div>
      ${download ? progressBar(download.total > 0 ? download.loaded / download.total : 0, `Downloading the model: ${mb(download.loaded)} of ${mb(download.total)} MB`) : nothing}
      ${state.connection.inBrowserReason ? html`<p class="hint warning" data-hint="server-unreachable">${state.connection.inBrowserReason}</p>` : nothing}
      <p class="hint" data-hint="needs-server">${NEEDS_SERVER}</p>
    </section>
  `;
}

/** What the in-browser engine cannot do, and how to get it. */
export const NEEDS_SERVER = "Discovering parts, other models and GPUs need the companion server: run \"npm install && npm start\" in a PandA Studio checkout, then open http://127.0.0.1:8710/.";

export function connectionView(state: PanelState, ctx: ViewContext) {
  if (state.connection.engine === "browser") return inBrowserView(state, ctx);
  const { model } = ctx;
  const { status, serverUrl, token, health } = state.connection;
  const detail = health ? ` · ${health.device.active} · ${health.models} model${health.models === 1 ? "" : "s"}` : "";
  let typed = serverUrl;
  let typedToken = token ?? "";
  const apply = () => model.setConnection(typed, typedToken);
  return html`
    <section class="connection">
      <div class="status" data-status=${status}>
        <span class="dot ${status}"></span><span class="status-text">${STATUS_TEXT[status]}${detail}</span>
        <sp-button size="s" variant="secondary" treatment="outline" data-action="help" title=${TIPS.help} @click=${() => model.toggleHelp()}>?</sp-button>
      </div>
      <div class="row">
        <div class="field wide" title=${TIPS.server}>
          <sp-field-label for="panda-server" size="s">Server</sp-field-label>
          <sp-textfield id="panda-server" data-field="server" size="s" .value=${serverUrl}
            @input=${(e: Event) => (typed = valueOf(e))}
            @keydown=${(e: KeyboardEvent) => e.key === "Enter" && apply()}></sp-textfield>
        </div>
        <div class="field" title=${TIPS.token}>
          <sp-field-label for="panda-token" size="s">Token (LAN)</sp-field-label>
          <sp-textfield id="panda-token" data-field="token" size="s" type="password" placeholder="none" .value=${token ?? ""}
            @input=${(e: Event) => (typedToken = valueOf(e))}
            @keydown=${(e: KeyboardEvent) => e.key === "Enter" && apply()}></sp-textfield>
        </div>
        <sp-button size="s" variant="secondary" data-action="connect" title=${TIPS.connect} @click=${apply}>Connect</sp-button>
      </div>
    </section>
  `;
}
