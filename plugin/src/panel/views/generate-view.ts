/** Model and layer pickers, seed and truncation, and the generate buttons. */
import { html } from "lit";
import type { PanelModel } from "../../model/panel-model";
import type { PanelState } from "../../model/state";
import { numberOf, valueOf } from "./dom";

export function generateView(state: PanelState, model: PanelModel) {
  const current = state.models.find((m) => m.id === state.modelId);
  const disabled = state.connection.status !== "connected" || !current || state.busy !== null;
  return html`
    <section class="generate">
      <h2>Generate</h2>
      <div class="row">
        <div class="field">
          <sp-field-label for="panda-model" size="s">Model</sp-field-label>
          <sp-picker id="panda-model" data-field="model" size="s" label="Model" .value=${state.modelId ?? ""}
            @change=${(e: Event) => model.selectModel(valueOf(e))}>
            ${state.models.map((m) => html`<sp-menu-item value=${m.id}>${m.title}</sp-menu-item>`)}
          </sp-picker>
        </div>
        <div class="field">
          <sp-field-label for="panda-layer" size="s">Layer</sp-field-label>
          <sp-picker id="panda-layer" data-field="layer" size="s" label="Layer" .value=${state.layerId ?? ""}
            @change=${(e: Event) => model.selectLayer(valueOf(e))}>
            ${(current?.layers ?? []).map((l) => html`<sp-menu-item value=${l.id}>${l.id} (${l.channels}×${l.height}×${l.width})</sp-menu-item>`)}
          </sp-picker>
        </div>
      </div>
      <div class="row">
        <div class="field">
          <sp-field-label for="panda-seed" size="s">Seed</sp-field-label>
          <sp-textfield id="panda-seed" data-field="seed" size="s" .value=${String(state.generate.seed)}
            @input=${(e: Event) => model.setGenerate({ seed: numberOf(e) })}></sp-textfield>
        </div>
        <div class="field">
          <sp-field-label for="panda-truncation" size="s">Truncation ψ</sp-field-label>
          <sp-textfield id="panda-truncation" data-field="truncation" size="s" .value=${String(state.generate.truncation)}
            ?disabled=${current ? !current.truncation.supported : false}
            @input=${(e: Event) => model.setGenerate({ truncation: numberOf(e) })}></sp-textfield>
        </div>
      </div>
      <div class="row">
        <sp-button size="s" variant="accent" data-action="generate" ?disabled=${disabled} @click=${() => model.generate()}>Generate</sp-button>
        <sp-button size="s" variant="secondary" data-action="random" ?disabled=${disabled} @click=${() => model.generate({ random: true })}>Random seed</sp-button>
      </div>
    </section>
  `;
}
