/** Model and layer pickers, seed and truncation, placement (when it matters), and the generate buttons. */
import { html, nothing } from "lit";
import { PLACEMENT_LABELS, PlacementMode, RESAMPLE_METHODS, Resample, placeImage, placementMatters } from "../../model/placement";
import type { PanelState } from "../../model/state";
import { TIPS } from "../tips";
import { numberOf, picker, section, textField, ViewContext } from "./widgets";

export function generateView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  const current = state.models.find((m) => m.id === state.modelId);
  const disabled = state.connection.status !== "connected" || !current || state.busy !== null;
  return section(state, ctx, "generate", "Generate", () => html`
      <div class="row">
        ${picker(ctx, {
          field: "model",
          label: "Model",
          wide: true,
          tip: TIPS.model,
          value: state.modelId,
          items: state.models.map((m) => ({ value: m.id, label: m.title })),
          onChange: (id) => model.selectModel(id),
        })}
        ${picker(ctx, {
          field: "layer",
          label: "Layer",
          tip: TIPS.layer,
          value: state.layerId,
          items: (current?.layers ?? []).map((l) => ({ value: l.id, label: `${l.id} (${l.channels}×${l.height}×${l.width})` })),
          onChange: (id) => model.selectLayer(id),
        })}
      </div>
      <div class="row">
        ${textField({ field: "seed", label: "Seed", tip: TIPS.seed, value: String(state.generate.seed), onInput: (e) => model.setGenerate({ seed: numberOf(e) }) })}
        ${textField({
          field: "truncation",
          label: "Truncation ψ",
          tip: TIPS.truncation,
          value: String(state.generate.truncation),
          disabled: current ? !current.truncation.supported : false,
          onInput: (e) => model.setGenerate({ truncation: numberOf(e) }),
        })}
      </div>
      ${placementView(state, ctx)}
      <div class="row">
        <sp-button size="s" variant="accent" data-action="generate" title=${TIPS.generate} ?disabled=${disabled} @click=${() => model.generate()}>Generate</sp-button>
        <sp-button size="s" variant="secondary" data-action="random" title=${TIPS.random} ?disabled=${disabled} @click=${() => model.generate({ random: true })}>Random seed</sp-button>
      </div>
  `);
}

/** Shown only when a document is open whose size differs from the model's images. */
function placementView(state: PanelState, ctx: ViewContext) {
  const image = state.models.find((m) => m.id === state.modelId)?.image ?? null;
  if (!image || !state.document || !placementMatters(image, state.document)) return nothing;
  const { document: doc, placement } = state;
  const outcome = placeImage(image, doc, placement).description;
  return html`
    <div class="row">
      ${picker(ctx, {
        field: "placement",
        label: "Place in document",
        wide: true,
        value: placement.mode,
        items: (Object.keys(PLACEMENT_LABELS) as PlacementMode[]).map((mode) => ({ value: mode, label: PLACEMENT_LABELS[mode] })),
        onChange: (mode) => ctx.model.setPlacement({ mode: mode as PlacementMode }),
      })}
      ${placement.mode === "fit"
        ? picker(ctx, {
            field: "resample",
            label: "Resampling",
            value: placement.resample,
            items: RESAMPLE_METHODS.map((method) => ({ value: method, label: method })),
            onChange: (method) => ctx.model.setPlacement({ resample: method as Resample }),
          })
        : nothing}
    </div>
    <p class="hint" data-hint="placement">
      The document is ${doc.width}×${doc.height}, the model's images ${image.width}×${image.height}: ${outcome}${placement.mode === "fit" ? "; masks and selections bilinear" : ""}.
    </p>
  `;
}
