/** Saved factorisations, discovering new ones (progress and cancel), and the part thumbnails. */
import { html } from "lit";
import type { MaskKind, PanelState, SolverName } from "../../model/state";
import { TIPS } from "../tips";
import { labelled, notesOf, partSetLabel } from "../../model/part-sets";
import { labelField, numberOf, picker, progressBar, section, textField, thumbnail, valueOf, ViewContext } from "./widgets";

export function partsView(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  const idle = state.busy === null;
  const hasPart = state.partIndices.length > 0;
  const labels = notesOf(state.factorisations, state.factorisationId).parts;
  return section(state, ctx, "parts", "Parts", () => html`
      ${state.factorisations.length
        ? html`${picker(ctx, {
            field: "factorisation",
            label: "Saved parts",
            tip: TIPS.factorisation,
            value: state.factorisationId,
            items: state.factorisations.map((f) => ({ value: f.id, label: partSetLabel(f) })),
            onChange: (id) => model.selectFactorisation(id),
          })}
          ${partSetActions(state, ctx)}`
        : html`<p class="hint" data-hint="no-saved-parts">No saved parts for ${state.layerId ? `layer ${state.layerId}` : "this model"} yet: discover them (a few seconds).</p>`}
      ${state.connection.engine === "browser" ? html`<p class="hint" data-hint="discover-needs-server">Discovering new parts needs the companion server; the parts above ship with the model.</p>` : discoverControls(state, ctx)}
      ${state.parts.length > 0
        ? html`<div class="thumbs" aria-label="Parts">
              ${state.parts.map((p) =>
                thumbnail({
                  kind: "part",
                  index: p.index,
                  src: p.thumbnail,
                  selected: state.partIndices.includes(p.index),
                  title: `Part ${labelled(p.index, labels)}: ${Math.round(p.coverage * 100)}% of the image. ${TIPS.part}`,
                  caption: labelled(p.index, labels),
                  onPick: (add) => model.selectPart(p.index, { add }),
                }),
              )}
            </div>
            <p class="hint" data-hint="picked-parts">${pickedHint(state)}</p>
            ${state.partIndices.length === 1 ? labelField("part-label", `Label of part ${state.partIndices[0]}`, TIPS.partLabel, labels[String(state.partIndices[0])] ?? "", (text) => model.labelPart(state.partIndices[0], text)) : ""}
            <div class="row">
              ${picker(ctx, {
                field: "mask-kind",
                label: "Mask edge",
                tip: "Hard: the part's pixels exactly. Soft: feathered, fading out at the part's border.",
                value: state.maskKind,
                items: [
                  { value: "binary", label: "Hard" },
                  { value: "soft", label: "Soft (feathered)" },
                ],
                onChange: (kind) => model.setMaskKind(kind as MaskKind),
              })}
            </div>
            <div class="row">
              <sp-button size="s" variant="secondary" data-action="selection" title=${TIPS.selection} ?disabled=${!hasPart || !idle} @click=${() => model.partToSelection()}>Selection</sp-button>
              <sp-button size="s" variant="secondary" data-action="mask" title=${TIPS.mask} ?disabled=${!hasPart || !idle} @click=${() => model.partToLayerMask()}>Layer mask</sp-button>
              <sp-button size="s" variant="secondary" data-action="remove" title=${TIPS.remove} ?disabled=${!hasPart || !idle} @click=${() => model.removePart()}>Remove</sp-button>
            </div>`
        : html`<p class="hint" data-hint="parts">${partsHint(state)}</p>`}
  `);
}

/** Rename, make default, delete the picked part set. */
function partSetActions(state: PanelState, { model }: ViewContext) {
  const set = state.factorisations.find((f) => f.id === state.factorisationId);
  if (!set) return html``;
  const confirming = state.confirmDelete === set.id;
  return html`<div class="row">
    <div class="field wide" title="A name of your own for these parts (empty: the automatic one). Enter to keep it.">
      <sp-field-label for="panda-set-name" size="s">Name</sp-field-label>
      <sp-textfield id="panda-set-name" data-field="set-name" size="s" placeholder=${set.notes.name ? "" : set.title} .value=${set.notes.name ?? ""}
        @keydown=${(e: KeyboardEvent) => e.key === "Enter" && model.renamePartSet(valueOf(e))}></sp-textfield>
    </div>
    <sp-button size="s" variant="secondary" data-action="set-default" title="Show these parts for this model and layer whenever a panel starts" ?disabled=${set.default || state.busy !== null}
      @click=${() => model.makeDefaultPartSet()}>${set.default ? "★ Default" : "Default"}</sp-button>
    <sp-button size="s" variant="negative" treatment="outline" data-action="set-delete" ?disabled=${set.readOnly || state.busy !== null}
      title=${set.readOnly ? "These parts ship with the model and cannot be deleted" : "Delete these saved parts (asks once more)"} @click=${() => model.deletePartSet()}>${confirming ? "Delete?" : "Delete"}</sp-button>
  </div>`;
}

function pickedHint({ partIndices }: PanelState): string {
  if (partIndices.length === 0) return "Click a part to pick it; Shift+click to pick several.";
  return partIndices.length === 1 ? `Part ${partIndices[0]} picked; Shift+click adds more.` : `Parts ${partIndices.join(" + ")} picked (their union).`;
}

/** Why no part thumbnails are shown, and what to do. */
function partsHint({ image, modelId, factorisationId, layerNote }: PanelState): string {
  if (!image) return layerNote ?? "Generate an image, or select a layer PandA generated, to see its parts.";
  if (image.model !== modelId) return `The selected layer is from ${image.model}: pick that model, or generate an image with this one, to see its parts.`;
  return factorisationId ? "Loading parts…" : "Discover parts, or pick saved ones.";
}

/** Ranks, samples, seed and solver of a new factorisation, and its progress while it runs (server only). */
function discoverControls(state: PanelState, ctx: ViewContext) {
  const { model } = ctx;
  const connected = state.connection.status === "connected";
  const idle = state.busy === null;
  return html`
      <div class="row">
        ${textField({ field: "parts", label: "Parts", tip: TIPS.parts, value: String(state.discover.parts), onInput: (e) => model.setDiscover({ parts: numberOf(e) }) })}
        ${textField({
          field: "appearances",
          label: "Appearances",
          tip: TIPS.appearances,
          value: state.discover.appearances === null ? "" : String(state.discover.appearances),
          onInput: (e) => model.setDiscover({ appearances: valueOf(e).trim() === "" ? null : numberOf(e) }),
        })}
        ${textField({ field: "samples", label: "Samples", tip: TIPS.samples, value: String(state.discover.samples), onInput: (e) => model.setDiscover({ samples: numberOf(e) }) })}
      </div>
      <div class="row">
        ${textField({ field: "discover-seed", label: "Seed", tip: TIPS.discoverSeed, value: String(state.discover.seed), onInput: (e) => model.setDiscover({ seed: numberOf(e) }) })}
        ${picker(ctx, {
          field: "solver",
          label: "Solver",
          tip: TIPS.solver,
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
            ${progressBar(state.job.fraction, state.job.message, state.job.determinate)}
            <sp-button size="s" variant="negative" treatment="outline" data-action="cancel" title=${TIPS.cancel} ?disabled=${state.job.cancelling}
              @click=${() => model.cancelJob()}>Cancel</sp-button>
          </div>`
        : html`<sp-button size="s" variant="primary" data-action="discover" title=${TIPS.discover} ?disabled=${!connected || !idle}
              @click=${() => model.discoverParts()}>Discover parts</sp-button>
            <p class="hint">The same settings and seed find the same parts again.</p>`}`;
}
