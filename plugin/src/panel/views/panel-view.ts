/**
 * The whole panel: the sections in the order of the journeys, scrolling, above a message bar
 * that never scrolls away and never covers a control.
 */
import { html } from "lit";
import type { PanelState } from "../../model/state";
import { appearanceView } from "./appearance-view";
import { connectionView } from "./connection-view";
import { generateView } from "./generate-view";
import { helpView } from "./help-view";
import { messagesView } from "./messages-view";
import { partsView } from "./parts-view";
import type { ViewContext } from "./widgets";

export function panelView(state: PanelState, ctx: ViewContext) {
  return html`
    <sp-theme class="panda-theme" color="dark" scale="medium">
      <div class="panda-panel">
        <div class="panda-scroll">
          ${connectionView(state, ctx)} ${helpView(state, ctx)}
          <sp-divider size="s"></sp-divider>
          ${generateView(state, ctx)}
          <sp-divider size="s"></sp-divider>
          ${partsView(state, ctx)} ${appearanceView(state, ctx)}
        </div>
        ${messagesView(state)}
      </div>
    </sp-theme>
  `;
}
