/** Appearance thumbnails (saliency heat maps), the strength slider with its live preview, apply and saliency. */
import { html, nothing } from "lit";
import type { PanelState } from "../../model/state";
import { STRENGTH_STEPS } from "../../model/strength";
import type { SaliencyOutput } from "../../model/settings";
import { picker, thumbnail, ViewContext } from "./widgets";

export function appearanceView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  if (state.appearances.length === 0) return nothing;
  const ready = state.partIndex !== null && state.appearanceIndex !== null && state.busy === null;
  return html`
    <section class="appearances">
      <h2>Appearance</h2>
      <p class="hint">Where each appearance is present in this image (yellow: strongest).</p>
      <div class="thumbs" aria-label="Appearances">
        ${state.appearances.map((a) =>
          thumbnail({
            kind: "appearance",
            index: a.index,
            src: a.thumbnail,
            selected: state.appearanceIndex === a.index,
            title: `Appearance ${a.index}: bright yellow where it is present, black where it is not`,
            onPick: () => model.selectAppearance(a.index),
          }),
        )}
      </div>
      ${state.appearances.length < state.appearanceCount
        ? html`<sp-button size="s" variant="secondary" treatment="outline" data-action="more-appearances" ?disabled=${state.busy !== null}
            @click=${() => model.showMoreAppearances()}>More appearances (${state.appearances.length} of ${state.appearanceCount})</sp-button>`
        : nothing}
      <div class="slider-label"><sp-field-label size="s">Strength</sp-field-label><span data-value="strength">${state.strength}</span></div>
      <sp-slider data-field="strength" label="Strength" label-visibility="none" min=${-state.strengthLimit} max=${state.strengthLimit}
        step=${(2 * state.strengthLimit) / STRENGTH_STEPS} .value=${state.strength}
        ?disabled=${state.partIndex === null || state.appearanceIndex === null}
        @input=${(e: Event) => model.setStrength(Number((e.target as HTMLInputElement).value))}></sp-slider>
      <p class="hint">${state.partIndex === null ? "Pick a part, then an appearance; drag to preview." : "Dragging updates the “PandA preview” layer."}</p>
      <div class="row">
        <sp-button size="s" variant="accent" data-action="apply" ?disabled=${!ready || state.strength === 0} @click=${() => model.applyEdit()}>Apply as layer</sp-button>
      </div>
      <div class="row">
        ${picker(ctx, {
          field: "saliency-output",
          label: "Saliency heat map",
          value: state.saliencyOutput,
          items: [
            { value: "gray", label: "Gray" },
            { value: "colour", label: "Colour (inferno)" },
          ],
          onChange: (output) => model.setSaliencyOutput(output as SaliencyOutput),
        })}
        <sp-button size="s" variant="secondary" data-action="saliency" ?disabled=${state.appearanceIndex === null || state.busy !== null}
          @click=${() => model.saliencyLayer()}>Saliency layer</sp-button>
      </div>
      <p class="hint">The saliency layer is the heat map, masked to where the appearance is present.</p>
    </section>
  `;
}
