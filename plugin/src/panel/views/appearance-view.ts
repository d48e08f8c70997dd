/** Appearance thumbnails (saliency heat maps), the strength slider with its live preview, apply and saliency. */
import { html, nothing } from "lit";
import type { PanelState } from "../../model/state";
import { STRENGTH_STEPS } from "../../model/strength";
import type { SaliencyOutput } from "../../model/settings";
import { TIPS } from "../tips";
import { picker, section, thumbnail, ViewContext } from "./widgets";

/** The mouse wheel over the slider moves it by this much; with Shift by one slider step (fine control). */
const WHEEL_STEP = 0.1;

export function appearanceView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  if (state.appearances.length === 0) return nothing;
  const ready = state.partIndex !== null && state.appearanceIndex !== null && state.busy === null;
  const canEdit = state.partIndex !== null && state.appearanceIndex !== null;
  const step = (2 * state.strengthLimit) / STRENGTH_STEPS;
  const wheel = (e: WheelEvent) => {
    if (!canEdit || e.deltaY === 0) return;
    e.preventDefault();
    model.setStrength(state.strength + Math.sign(-e.deltaY) * (e.shiftKey ? step : WHEEL_STEP));
  };
  let typed = String(state.strength);
  return section(state, ctx, "appearances", "Appearance", () => html`
      <p class="hint">Where each appearance is present in this image (yellow: strongest).</p>
      <div class="thumbs" aria-label="Appearances">
        ${state.appearances.map((a) =>
          thumbnail({
            kind: "appearance",
            index: a.index,
            src: a.thumbnail,
            selected: state.appearanceIndex === a.index,
            title: `Appearance ${a.index}: bright yellow where it is present, black where it is not. ${TIPS.appearance}`,
            onPick: () => model.selectAppearance(a.index),
          }),
        )}
      </div>
      ${state.appearances.length < state.appearanceCount
        ? html`<sp-button size="s" variant="secondary" treatment="outline" data-action="more-appearances" title=${TIPS.moreAppearances} ?disabled=${state.busy !== null}
            @click=${() => model.showMoreAppearances()}>More appearances (${state.appearances.length} of ${state.appearanceCount})</sp-button>`
        : nothing}
      <div class="slider-label" title=${TIPS.strength}>
        <sp-field-label size="s">Strength</sp-field-label>
        <sp-textfield class="strength-value" data-field="strength-value" size="s" title=${TIPS.strengthValue} .value=${String(state.strength)} ?disabled=${!canEdit}
          @input=${(e: Event) => (typed = String((e.target as HTMLInputElement).value ?? ""))}
          @change=${() => model.typeStrength(typed)}
          @keydown=${(e: KeyboardEvent) => e.key === "Enter" && model.typeStrength(typed)}></sp-textfield>
      </div>
      <sp-slider data-field="strength" label="Strength" label-visibility="none" title=${TIPS.strength} min=${-state.strengthLimit} max=${state.strengthLimit}
        step=${step} .value=${state.strength} ?disabled=${!canEdit} @wheel=${wheel}
        @input=${(e: Event) => model.setStrength(Number((e.target as HTMLInputElement).value))}></sp-slider>
      <p class="hint">${state.partIndex === null ? "Pick a part, then an appearance; drag to preview." : `Dragging updates the “PandA preview” layer. Wheel: ±${WHEEL_STEP}, with Shift ±${step}.`}</p>
      <div class="row">
        <sp-button size="s" variant="accent" data-action="apply" title=${TIPS.apply} ?disabled=${!ready || state.strength === 0} @click=${() => model.applyEdit()}>Apply as layer</sp-button>
      </div>
      <div class="row">
        ${picker(ctx, {
          field: "saliency-output",
          label: "Saliency heat map",
          tip: TIPS.saliencyOutput,
          value: state.saliencyOutput,
          items: [
            { value: "colour", label: "Colour (inferno)" },
            { value: "gray", label: "Gray" },
          ],
          onChange: (output) => model.setSaliencyOutput(output as SaliencyOutput),
        })}
        <sp-button size="s" variant="secondary" data-action="saliency" title=${TIPS.saliency} ?disabled=${state.appearanceIndex === null || state.busy !== null}
          @click=${() => model.saliencyLayer()}>Saliency layer</sp-button>
      </div>
      <p class="hint">The saliency layer is a heat-map overlay: clear where the appearance is absent, hotter and more opaque where it is stronger.</p>
  `);
}
