/** Saved factorisations, discovering new ones (progress and cancel), and the part thumbnails. */
import { html } from "lit";
import type { PanelModel } from "../../model/panel-model";
import type { PanelState, SolverName } from "../../model/state";
import { numberOf, valueOf } from "./dom";

export function partsView(state: PanelState, model: PanelModel) {
  const connected = state.connection.status === "connected";
  const idle = state.busy === null;
  const hasPart = state.partIndex !== null;
  return html`
    <section class="parts">
      <h2>Parts</h2>
      <div class="field">
        <sp-field-label for="panda-factorisation" size="s">Saved parts</sp-field-label>
        <sp-picker id="panda-factorisation" data-field="factorisation" size="s" label="None yet: discover parts"
          .value=${state.factorisationId ?? ""} ?disabled=${state.factorisations.length === 0}
          @change=${(e: Event) => model.selectFactorisation(valueOf(e))}>
          ${state.factorisations.map(
            (f) => html`<sp-menu-item value=${f.id}>${f.name} · ${f.ranks.parts} parts · ${f.layer}</sp-menu-item>`,
          )}
        </sp-picker>
      </div>
      <div class="row">
        <div class="field">
          <sp-field-label for="panda-ranks" size="s">Parts</sp-field-label>
          <sp-textfield id="panda-ranks" data-field="parts" size="s" .value=${String(state.discover.parts)}
            @input=${(e: Event) => model.setDiscover({ parts: numberOf(e) })}></sp-textfield>
        </div>
        <div class="field">
          <sp-field-label for="panda-samples" size="s">Samples</sp-field-label>
          <sp-textfield id="panda-samples" data-field="samples" size="s" .value=${String(state.discover.samples)}
            @input=${(e: Event) => model.setDiscover({ samples: numberOf(e) })}></sp-textfield>
        </div>
        <div class="field">
          <sp-field-label for="panda-solver" size="s">Solver</sp-field-label>
          <sp-picker id="panda-solver" data-field="solver" size="s" label="Solver" .value=${state.discover.solver}
            @change=${(e: Event) => model.setDiscover({ solver: valueOf(e) as SolverName })}>
            <sp-menu-item value="fast">fast</sp-menu-item>
            <sp-menu-item value="reference">reference</sp-menu-item>
          </sp-picker>
        </div>
      </div>
      ${state.job
        ? html`<div class="job">
            <sp-progress-bar size="s" label=${state.job.message} progress=${Math.round(state.job.fraction * 100)}></sp-progress-bar>
            <sp-button size="s" variant="negative" treatment="outline" data-action="cancel" ?disabled=${state.job.cancelling}
              @click=${() => model.cancelJob()}>Cancel</sp-button>
          </div>`
        : html`<sp-button size="s" variant="primary" data-action="discover" ?disabled=${!connected || !idle}
            @click=${() => model.discoverParts()}>Discover parts</sp-button>`}
      ${state.parts.length > 0
        ? html`<div class="thumbs" role="listbox" aria-label="Parts">
              ${state.parts.map(
                (p) => html`<button class="thumb" data-part=${p.index} aria-pressed=${state.partIndex === p.index ? "true" : "false"}
                  title="Part ${p.index}: ${Math.round(p.coverage * 100)}% of the image" @click=${() => model.selectPart(p.index)}>
                  <img src=${p.thumbnail} alt="part ${p.index}" /><span>${p.index}</span>
                </button>`,
              )}
            </div>
            <div class="row">
              <sp-button size="s" variant="secondary" data-action="selection" ?disabled=${!hasPart || !idle} @click=${() => model.partToSelection()}>Selection</sp-button>
              <sp-button size="s" variant="secondary" data-action="mask" ?disabled=${!hasPart || !idle} @click=${() => model.partToLayerMask()}>Layer mask</sp-button>
              <sp-button size="s" variant="secondary" data-action="remove" ?disabled=${!hasPart || !idle} @click=${() => model.removePart()}>Remove</sp-button>
            </div>`
        : html`<p class="hint">${state.image ? (state.factorisationId ? "Loading parts…" : "Discover parts, or pick saved ones.") : "Generate an image to see its parts."}</p>`}
    </section>
  `;
}
