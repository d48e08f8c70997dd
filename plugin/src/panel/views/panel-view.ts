/** The whole panel: the sections in the order of the journeys. */
import { html } from "lit";
import type { PanelModel } from "../../model/panel-model";
import type { PanelState } from "../../model/state";
import { appearanceView } from "./appearance-view";
import { connectionView } from "./connection-view";
import { generateView } from "./generate-view";
import { messagesView } from "./messages-view";
import { partsView } from "./parts-view";

export function panelView(state: PanelState, model: PanelModel) {
  return html`
    <sp-theme color="dark" scale="medium">
      <div class="panda-panel">
        ${connectionView(state, model)}
        <sp-divider size="s"></sp-divider>
        ${generateView(state, model)}
        <sp-divider size="s"></sp-divider>
        ${partsView(state, model)} ${appearanceView(state, model)} ${messagesView(state)}
      </div>
    </sp-theme>
  `;
}
