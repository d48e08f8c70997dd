/** Saved factorisations, discovering new ones (progress and cancel), and the part thumbnails. */
import { html } from "lit";
import type { PanelState, SolverName } from "../../model/state";
import { numberOf, picker, progressBar, textField, thumbnail, ViewContext } from "./widgets";

export function partsView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  const connected = state.connection.status === "connected";
  const idle = state.busy === null;
  const hasPart = state.partIndex !== null;
  return html`
    <section class="parts">
      <h2>Parts</h2>
      ${state.factorisations.length
        ? picker(ctx, {
            field: "factorisation",
            label: "Saved parts",
            value: state.factorisationId,
            items: state.factorisations.map((f) => ({ value: f.id, label: `${f.name} · ${f.ranks.parts} parts · ${f.layer}` })),
            onChange: (id) => model.selectFactorisation(id),
          })
        : html`<p class="hint" data-hint="no-saved-parts">No saved parts for ${state.layerId ? `layer ${state.layerId}` : "this model"} yet: discover them (a few seconds).</p>`}
      <div class="row">
        ${textField({ field: "parts", label: "Parts", value: String(state.discover.parts), onInput: (e) => model.setDiscover({ parts: numberOf(e) }) })}
        ${textField({ field: "samples", label: "Samples", value: String(state.discover.samples), onInput: (e) => model.setDiscover({ samples: numberOf(e) }) })}
        ${textField({ field: "discover-seed", label: "Seed", value: String(state.discover.seed), onInput: (e) => model.setDiscover({ seed: numberOf(e) }) })}
        ${picker(ctx, {
          field: "solver",
          label: "Solver",
          value: state.discover.solver,
          items: [
            { value: "fast", label: "fast" },
            { value: "reference", label: "reference" },
          ],
          onChange: (solver) => model.setDiscover({ solver: solver as SolverName }),
        })}
      </div>
      ${state.job
        ? html`<div class="job">
            ${progressBar(state.job.fraction, state.job.message)}
            <sp-button size="s" variant="negative" treatment="outline" data-action="cancel" ?disabled=${state.job.cancelling}
              @click=${() => model.cancelJob()}>Cancel</sp-button>
          </div>`
        : html`<sp-button size="s" variant="primary" data-action="discover" ?disabled=${!connected || !idle}
              @click=${() => model.discoverParts()}>Discover parts</sp-button>
            <p class="hint">The same settings and seed find the same parts again.</p>`}
      ${state.parts.length > 0
        ? html`<div class="thumbs" aria-label="Parts">
              ${state.parts.map((p) =>
                thumbnail({
                  kind: "part",
                  index: p.index,
                  src: p.thumbnail,
                  selected: state.partIndex === p.index,
                  title: `Part ${p.index}: ${Math.round(p.coverage * 100)}% of the image`,
                  onPick: () => model.selectPart(p.index),
                }),
              )}
            </div>
            <div class="row">
              <sp-button size="s" variant="secondary" data-action="selection" ?disabled=${!hasPart || !idle} @click=${() => model.partToSelection()}>Selection</sp-button>
              <sp-button size="s" variant="secondary" data-action="mask" ?disabled=${!hasPart || !idle} @click=${() => model.partToLayerMask()}>Layer mask</sp-button>
              <sp-button size="s" variant="secondary" data-action="remove" ?disabled=${!hasPart || !idle} @click=${() => model.removePart()}>Remove</sp-button>
            </div>`
        : html`<p class="hint" data-hint="parts">${partsHint(state)}</p>`}
    </section>
  `;
}

/** Why no part thumbnails are shown, and what to do. */
function partsHint({ image, modelId, factorisationId, layerNote }: PanelState): string {
  if (!image) return layerNote ?? "Generate an image, or select a layer PandA generated, to see its parts.";
  if (image.model !== modelId) return `The selected layer is from ${image.model}: pick that model, or generate an image with this one, to see its parts.`;
  return factorisationId ? "Loading parts…" : "Discover parts, or pick saved ones.";
}
