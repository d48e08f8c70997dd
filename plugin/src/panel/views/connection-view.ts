/** Server status and address: the address is editable and remembered. */
import { html } from "lit";
import type { PanelState } from "../../model/state";
import { valueOf, ViewContext } from "./widgets";

const STATUS_TEXT = { connecting: "Connecting…", connected: "Connected", offline: "Server not reachable" } as const;

export function connectionView(state: PanelState, { model }: ViewContext) {
  const { status, serverUrl, health } = state.connection;
  const detail = health ? ` · ${health.device.active} · ${health.models} model${health.models === 1 ? "" : "s"}` : "";
  let typed = serverUrl;
  return html`
    <section class="connection">
      <div class="status" data-status=${status}>
        <span class="dot ${status}"></span><span>${STATUS_TEXT[status]}${detail}</span>
      </div>
      <div class="row">
        <div class="field">
          <sp-field-label for="panda-server" size="s">Server</sp-field-label>
          <sp-textfield id="panda-server" data-field="server" size="s" .value=${serverUrl}
            @input=${(e: Event) => (typed = valueOf(e))}
            @keydown=${(e: KeyboardEvent) => e.key === "Enter" && model.setServerUrl(typed)}></sp-textfield>
        </div>
        <sp-button size="s" variant="secondary" data-action="connect" @click=${() => model.setServerUrl(typed)}>Connect</sp-button>
      </div>
    </section>
  `;
}
