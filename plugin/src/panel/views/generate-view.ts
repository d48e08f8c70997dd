/** Model and layer pickers, seed and truncation, and the generate buttons. */
import { html } from "lit";
import type { PanelState } from "../../model/state";
import { numberOf, picker, textField, ViewContext } from "./widgets";

export function generateView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  const current = state.models.find((m) => m.id === state.modelId);
  const disabled = state.connection.status !== "connected" || !current || state.busy !== null;
  return html`
    <section class="generate">
      <h2>Generate</h2>
      <div class="row">
        ${picker(ctx, {
          field: "model",
          label: "Model",
          value: state.modelId,
          items: state.models.map((m) => ({ value: m.id, label: m.title })),
          onChange: (id) => model.selectModel(id),
        })}
        ${picker(ctx, {
          field: "layer",
          label: "Layer",
          value: state.layerId,
          items: (current?.layers ?? []).map((l) => ({ value: l.id, label: `${l.id} (${l.channels}×${l.height}×${l.width})` })),
          onChange: (id) => model.selectLayer(id),
        })}
      </div>
      <div class="row">
        ${textField({ field: "seed", label: "Seed", value: String(state.generate.seed), onInput: (e) => model.setGenerate({ seed: numberOf(e) }) })}
        ${textField({
          field: "truncation",
          label: "Truncation ψ",
          value: String(state.generate.truncation),
          disabled: current ? !current.truncation.supported : false,
          onInput: (e) => model.setGenerate({ truncation: numberOf(e) }),
        })}
      </div>
      <div class="row">
        <sp-button size="s" variant="accent" data-action="generate" ?disabled=${disabled} @click=${() => model.generate()}>Generate</sp-button>
        <sp-button size="s" variant="secondary" data-action="random" ?disabled=${disabled} @click=${() => model.generate({ random: true })}>Random seed</sp-button>
      </div>
    </section>
  `;
}
