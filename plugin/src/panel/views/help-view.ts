/**
 * "How PandA works": a short explanation with a picture, the terms the panel uses (the same
 * words as the tooltips) and the shortcuts. Opened with the ? button at the top of the panel.
 */
import { html, nothing, svg } from "lit";
import type { PanelState } from "../../model/state";
import { TIPS } from "../tips";
import type { ViewContext } from "./widgets";

/** Panel and editor shortcuts, as the user presses them. */
export const PANEL_SHORTCUTS: ReadonlyArray<[string, string]> = [
  ["Shift+click a part", "pick several parts (their union)"],
  ["Shift-drag on Strength", "10× finer"],
  ["Mouse wheel on Strength", "±0.1; with Shift one slider step"],
  ["Enter in Strength", "use the typed strength"],
  ["Enter or Space on a thumbnail", "pick it"],
  ["Click a section title", "fold or unfold it"],
];

export function helpView(state: PanelState, { model }: ViewContext) {
  if (!state.help) return nothing;
  return html`<section class="help" data-section="help">
    <div class="section-head">
      <h2>How PandA works</h2>
      <sp-button size="s" variant="secondary" treatment="outline" data-action="close-help" title="Close the help and go back to the panel" @click=${() => model.toggleHelp()}>Close</sp-button>
    </div>
    ${picture()}
    <p>
      PandA looks inside the generator that makes the faces. Learning from many random faces, it finds <b>parts</b> — regions such as
      hair, eyes or background that the model uses for every face — and <b>appearances</b> — directions in which a part can change,
      such as its colour or shape. Pick a part, pick an appearance, set a <b>strength</b>: the face is regenerated with that part changed,
      and the rest stays as it was.
    </p>
    <dl class="terms">
      <dt>Part</dt><dd>${TIPS.part}</dd>
      <dt>Appearance</dt><dd>${TIPS.appearance}</dd>
      <dt>Strength</dt><dd>${TIPS.strength}</dd>
      <dt>Truncation ψ</dt><dd>${TIPS.truncation}</dd>
      <dt>Samples</dt><dd>${TIPS.samples}</dd>
      <dt>Solver</dt><dd>${TIPS.solver}</dd>
      <dt>Layer</dt><dd>${TIPS.layer}</dd>
    </dl>
    <p>Every action works on the layer selected in the layers panel; layers PandA made remember their face, so a saved .ora can be opened and edited again.</p>
    <h2>Shortcuts</h2>
    <table class="shortcuts" data-list="panel-shortcuts">
      ${PANEL_SHORTCUTS.map(([keys, what]) => html`<tr><td><kbd>${keys}</kbd></td><td>${what}</td></tr>`)}
    </table>
  </section>`;
}

/** A face split into parts (coloured regions) and one part changed by an appearance. */
function picture() {
  const face = (x: number, hair: string) => svg`
    <g transform="translate(${x} 6)">
      <rect width="64" height="64" rx="6" fill="#3b4a5a"/>
      <ellipse cx="32" cy="38" rx="19" ry="23" fill="#e0b394"/>
      <path d="M12 34 C12 6 52 6 52 34 C46 20 18 20 12 34 Z" fill=${hair}/>
      <circle cx="25" cy="36" r="3" fill="#2b2b2b"/><circle cx="39" cy="36" r="3" fill="#2b2b2b"/>
      <path d="M25 50 Q32 55 39 50" stroke="#8a4a4a" stroke-width="2.5" fill="none"/>
    </g>`;
  const arrow = (x: number, label: string) => svg`
    <g transform="translate(${x} 38)"><path d="M0 0 H26 M20 -5 L26 0 L20 5" stroke="#9aa0aa" stroke-width="2" fill="none"/>
    <text x="13" y="-9" text-anchor="middle" font-size="9" fill="#c8ccd4">${label}</text></g>`;
  return html`<svg class="help-picture" viewBox="0 0 300 92" role="img" aria-label="A face, its parts as coloured regions, and the hair part changed by an appearance">
    ${face(2, "#5a3b24")}
    ${arrow(72, "parts")}
    <g transform="translate(104 6)">
      <rect width="64" height="64" rx="6" fill="#2f6f9f" opacity="0.85"/>
      <ellipse cx="32" cy="38" rx="19" ry="23" fill="#d9a441" opacity="0.9"/>
      <path d="M12 34 C12 6 52 6 52 34 C46 20 18 20 12 34 Z" fill="#c0392b"/>
      <circle cx="25" cy="36" r="4" fill="#27ae60"/><circle cx="39" cy="36" r="4" fill="#27ae60"/>
    </g>
    ${arrow(174, "edit")}
    ${face(206, "#d8c36a")}
    <text x="34" y="86" text-anchor="middle" font-size="9" fill="#c8ccd4">image</text>
    <text x="136" y="86" text-anchor="middle" font-size="9" fill="#c8ccd4">its parts</text>
    <text x="238" y="86" text-anchor="middle" font-size="9" fill="#c8ccd4">hair, new colour</text>
  </svg>`;
}
