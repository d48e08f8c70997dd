/**
 * The appearance browser (with parts picked: appearances ranked for them, each a preview of the
 * edit, large on hover, the user's labels and favourites; without: saliency heat maps), the
 * strength slider with its live preview, apply and saliency.
 */
import { html, nothing } from "lit";
import type { AppearanceOrder, AppearanceView, PanelState } from "../../model/state";
import { live } from "lit/directives/live.js";
import { FINE_FACTOR, STRENGTH_STEPS } from "../../model/strength";
import type { SaliencyOutput } from "../../model/settings";
import { labelled, notesOf } from "../../model/part-sets";
import { TIPS } from "../tips";
import { labelField, picker, section, thumbnail, valueOf, ViewContext } from "./widgets";

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

/** One appearance's thumbnail: its number and label, a star when it is a favourite. */
function appearanceThumb(state: PanelState, ctx: ViewContext, a: AppearanceView, kind: "appearance" | "favourite") {
  const notes = notesOf(state.factorisations, state.factorisationId);
  const name = labelled(a.index, notes.appearances);
  const favourite = notes.favourites.includes(a.index);
  const what = a.change
    ? `Appearance ${name}${a.rank === null ? "" : ` (rank ${a.rank + 1} for the picked parts)`}: the face edited by it at strength ${state.previewStrength}; it changes the part by ${percent(a.change.inside)}, the rest by ${percent(a.change.outside)}.`
    : `Appearance ${name}: bright yellow where it is present, black where it is not.`;
  return thumbnail({
    kind,
    index: a.index,
    src: a.thumbnail,
    selected: state.appearanceIndex === a.index,
    title: `${what} ${TIPS.appearance}`,
    caption: `${favourite ? "★ " : ""}${name}`,
    onPick: () => ctx.model.selectAppearance(a.index),
    onHover: (inside) => ctx.model.hoverAppearance(inside ? a.index : null),
  });
}

/**
 * A preview, large, with what the edit changes: the hovered appearance, else the picked one, else
 * the best. Always there while browsing, so hovering never moves the thumbnails.
 */
function largePreview(state: PanelState) {
  const all = [...state.favourites, ...state.appearances].filter((a) => a.change !== null && a.thumbnail !== null);
  const shown = all.find((a) => a.index === state.hoverAppearance) ?? all.find((a) => a.index === state.appearanceIndex) ?? state.appearances[0];
  if (!shown?.change) return html`<div class="large-preview"><div class="large-placeholder"></div><p>Ranking appearances…</p></div>`;
  const name = labelled(shown.index, notesOf(state.factorisations, state.factorisationId).appearances);
  return html`<div class="large-preview" data-large-preview=${shown.index}>
    <img src=${shown.thumbnail as string} alt="appearance ${shown.index}, large" />
    <p>Appearance ${name}${shown.rank === null ? "" : html`<br />rank ${shown.rank + 1}`}<br />strength ${state.previewStrength}<br />part changes ${percent(shown.change.inside)}<br />rest ${percent(shown.change.outside)}</p>
  </div>`;
}

/** The mouse wheel over the slider moves it by this much; with Shift by one slider step (fine control). */
const WHEEL_STEP = 0.1;

/** The web editor: whether the preview renders in a worker of this page, and why not when it does not. */
function pagePreviewView(state: PanelState, { model }: ViewContext) {
  const preview = state.pagePreview;
  if (!preview) return nothing;
  const { status } = preview;
  const server = state.connection.engine === "server";
  // without the worker, frames come from the server, or from the in-browser engine on the page's main thread
  const elsewhere = server ? "Previews come from the server" : "Previews render on the page's main thread";
  const text = !preview.enabled
    ? `${elsewhere}.`
    : status?.where === "page"
      ? server
        ? "Previews render in this page (no request per step); Apply asks the server."
        : "Previews render in a worker, off the page's main thread."
      : status?.where === "loading"
        ? "Preparing previews in this page…"
        : status?.where === "server"
          ? `${elsewhere}: ${status.reason}.`
          : "Previews render in this page once an edit starts.";
  return html`<label class="hint page-preview" data-field="page-preview" title=${TIPS.pagePreview}>
      <input type="checkbox" .checked=${preview.enabled} @change=${(e: Event) => model.setPagePreview((e.target as HTMLInputElement).checked)} />
      <span data-preview-source=${preview.enabled ? (status?.where ?? "none") : "off"}>${text}</span>
    </label>`;
}

export function appearanceView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  const browsing = state.partIndices.length > 0;
  if (state.appearanceCount === 0 || (!browsing && state.appearances.length === 0)) return nothing;
  const notes = notesOf(state.factorisations, state.factorisationId);
  const ready = state.partIndex !== null && state.appearanceIndex !== null && state.busy === null;
  const canEdit = state.partIndex !== null && state.appearanceIndex !== null;
  const step = (2 * state.strengthLimit) / STRENGTH_STEPS;
  const wheel = (e: WheelEvent) => {
    if (!canEdit || e.deltaY === 0) return;
    e.preventDefault();
    model.setStrength(state.strength + Math.sign(-e.deltaY) * (e.shiftKey ? step : WHEEL_STEP));
  };
  return section(state, ctx, "appearances", "Appearance", () => html`
      ${browsing
        ? html`<p class="hint">Each shows this face edited by the appearance at strength ${state.previewStrength}${state.appearanceOrder === "best" ? ", best for the picked parts first" : ""}. Hover for a large view.</p>
            ${picker(ctx, {
              field: "appearance-order",
              label: "Order",
              tip: TIPS.appearanceOrder,
              value: state.appearanceOrder,
              items: [
                { value: "best", label: "Best for the part" },
                { value: "number", label: "By number" },
              ],
              onChange: (order) => model.setAppearanceOrder(order as AppearanceOrder),
            })}
            ${largePreview(state)}
            ${state.favourites.length > 0
              ? html`<p class="hint">Favourites</p>
                  <div class="thumbs previews" aria-label="Favourite appearances">${state.favourites.map((a) => appearanceThumb(state, ctx, a, "favourite"))}</div>`
              : nothing}`
        : html`<p class="hint">Where each appearance is present in this image (yellow: strongest). Pick a part to see what each does to it.</p>`}
      <div class="thumbs ${browsing ? "previews" : ""}" aria-label="Appearances">
        ${state.appearances.map((a) => appearanceThumb(state, ctx, a, "appearance"))}
      </div>
      ${browsing && state.appearances.length === 0 ? html`<p class="hint" data-hint="ranking">Ranking appearances for the picked parts…</p>` : nothing}
      ${state.appearances.length < state.appearanceCount
        ? html`<sp-button size="s" variant="secondary" treatment="outline" data-action="more-appearances" title=${TIPS.moreAppearances} ?disabled=${state.busy !== null}
            @click=${() => model.showMoreAppearances()}>More appearances (${state.appearances.length} of ${state.appearanceCount})</sp-button>`
        : nothing}
      ${state.appearanceIndex !== null
        ? html`${labelField("appearance-label", `Label of appearance ${state.appearanceIndex}`, TIPS.appearanceLabel, notes.appearances[String(state.appearanceIndex)] ?? "", (text) =>
              model.labelAppearance(state.appearanceIndex as number, text),
            )}
            <div class="row">
              <sp-button size="s" variant="secondary" treatment="outline" data-action="favourite" title=${TIPS.favourite} ?disabled=${state.busy !== null}
                @click=${() => model.toggleFavourite(state.appearanceIndex as number)}>${notes.favourites.includes(state.appearanceIndex) ? "★ Favourite" : "☆ Favourite"}</sp-button>
            </div>`
        : nothing}
      <div class="slider-label" title=${TIPS.strength}>
        <sp-field-label size="s">Strength</sp-field-label>
        <sp-textfield class="strength-value" data-field="strength-value" size="s" title=${TIPS.strengthValue} .value=${String(state.strength)} ?disabled=${!canEdit}
          @change=${(e: Event) => model.typeStrength(valueOf(e))}
          @keydown=${(e: KeyboardEvent) => e.key === "Enter" && model.typeStrength(valueOf(e))}></sp-textfield>
      </div>
      <sp-slider data-field="strength" label="Strength" label-visibility="none" title=${TIPS.strength} min=${-state.strengthLimit} max=${state.strengthLimit}
        step=${step} .value=${live(state.strength)} ?disabled=${!canEdit} @wheel=${wheel}
        @pointerdown=${{ handleEvent: (e: PointerEvent) => model.noteSliderModifier(e.shiftKey, "down"), capture: true }}
        @pointermove=${{ handleEvent: (e: PointerEvent) => model.noteSliderModifier(e.shiftKey), capture: true }}
        @pointerup=${(e: PointerEvent) => model.noteSliderModifier(e.shiftKey, "up")} @pointercancel=${() => model.noteSliderModifier(false, "up")}
        @input=${(e: Event) => model.slideStrength(Number((e.target as HTMLInputElement).value))} @change=${() => model.settleStrength()}></sp-slider>
      <p class="hint">${state.partIndex === null ? "Pick a part, then an appearance; drag to preview." : `Dragging updates the “PandA preview” layer; Shift-drag is ${FINE_FACTOR}× finer. Wheel: ±${WHEEL_STEP}, with Shift ±${step}.`}</p>
      ${pagePreviewView(state, ctx)}
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
