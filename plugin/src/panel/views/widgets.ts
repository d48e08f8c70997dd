/**
 * The few widgets whose markup differs between the browser and Photoshop, so every view is
 * written once. In UXP the picker is Photoshop's built-in `sp-picker` (its items sit in an
 * `sp-menu slot="options"`), the progress bar is drawn here (UXP's built-in is `sp-progressbar`,
 * SWC's `sp-progress-bar`), and thumbnails are divs laid out with flexbox (UXP has no CSS grid
 * and no plain <button>).
 */
import { html, nothing, type TemplateResult } from "lit";
import type { PanelModel } from "../../model/panel-model";

export interface ViewContext {
  model: PanelModel;
  /** true inside Photoshop: render for UXP's built-in widgets */
  uxp: boolean;
}

export function valueOf(event: Event): string {
  return String((event.target as HTMLInputElement).value ?? "");
}

/** Numeric text fields keep what was typed; NaN reaches the model, whose check names the field. */
export function numberOf(event: Event): number {
  const text = valueOf(event).trim();
  return text === "" ? Number.NaN : Number(text);
}

export interface PickerItem {
  value: string;
  label: string;
}

export function picker(
  ctx: ViewContext,
  options: { field: string; label: string; value: string | null; items: PickerItem[]; disabled?: boolean; wide?: boolean; tip?: string; onChange: (value: string) => void },
) {
  const { field, label, value, items, disabled = false, wide = false, tip, onChange } = options;
  const changed = (event: Event) => {
    // UXP's built-in picker reports the selected index; SWC's reports the value
    const target = event.target as { value?: string; selectedIndex?: number };
    const picked = target.value || (target.selectedIndex !== undefined ? items[target.selectedIndex]?.value : undefined);
    if (picked) onChange(picked);
  };
  const menuItems = items.map((item) => html`<sp-menu-item value=${item.value} ?selected=${item.value === value}>${item.label}</sp-menu-item>`);
  return html`<div class="field ${wide ? "wide" : ""}" title=${tip ?? nothing}>
    <sp-field-label for="panda-${field}" size="s">${label}</sp-field-label>
    <sp-picker id="panda-${field}" data-field=${field} size="s" label=${label} .value=${value ?? ""} ?disabled=${disabled} @change=${changed}>
      ${ctx.uxp ? html`<sp-menu slot="options">${menuItems}</sp-menu>` : menuItems}
    </sp-picker>
  </div>`;
}

export function textField(options: { field: string; label: string; value: string; disabled?: boolean; tip?: string; onInput: (event: Event) => void }) {
  return html`<div class="field" title=${options.tip ?? nothing}>
    <sp-field-label for="panda-${options.field}" size="s">${options.label}</sp-field-label>
    <sp-textfield id="panda-${options.field}" data-field=${options.field} size="s" .value=${options.value} ?disabled=${options.disabled ?? false}
      @input=${options.onInput}></sp-textfield>
  </div>`;
}

/** A progress bar; an indeterminate one (no fraction known yet) moves instead of standing at 0 %. */
export function progressBar(fraction: number, message: string, determinate = true) {
  const percent = Math.round(fraction * 100);
  return html`<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${determinate ? percent : nothing} aria-label=${message}>
    <div class="progress-label"><span data-progress="message">${message}</span><span>${determinate ? `${percent}%` : ""}</span></div>
    <div class="progress-track ${determinate ? "" : "indeterminate"}"><div class="progress-fill" style="width: ${determinate ? percent : 30}%"></div></div>
  </div>`;
}

/**
 * A thumbnail button; `onPick` learns whether Shift was held (to add to a pick). `onHover` hears
 * the pointer enter (true) and leave (false). A favourite is an appearance shown again in the
 * favourites row (its own attribute, so each appearance is one element per row).
 */
export function thumbnail(options: {
  kind: "part" | "appearance" | "favourite";
  index: number;
  src: string | null;
  selected: boolean;
  title: string;
  caption?: string;
  onPick: (add: boolean) => void;
  onHover?: (inside: boolean) => void;
}) {
  const { kind, index, src, selected, title, caption, onPick, onHover } = options;
  return html`<div class="thumb" role="button" tabindex="0" data-part=${kind === "part" ? index : nothing} data-appearance=${kind === "appearance" ? index : nothing}
    data-favourite=${kind === "favourite" ? index : nothing} aria-pressed=${selected ? "true" : "false"} title=${title} @click=${(e: MouseEvent) => onPick(e.shiftKey)}
    @mouseenter=${() => onHover?.(true)} @mouseleave=${() => onHover?.(false)}
    @keydown=${(e: KeyboardEvent) => (e.key === "Enter" || e.key === " ") && onPick(e.shiftKey)}>
    ${src ? html`<img src=${src} alt="${kind === "part" ? "part" : "appearance"} ${index}" />` : nothing}<span>${caption ?? index}</span>
  </div>`;
}

/**
 * A one-line text field whose value is kept on Enter (a label of the user's). The value is read from
 * the field itself: the panel re-renders while the user types (thumbnails arriving), so a value
 * kept in the render's closure would be stale.
 */
export function labelField(field: string, label: string, tip: string, value: string, keep: (text: string) => void) {
  return html`<div class="row"><div class="field wide" title=${tip}>
    <sp-field-label for="panda-${field}" size="s">${label}</sp-field-label>
    <sp-textfield id="panda-${field}" data-field=${field} size="s" placeholder="none" .value=${value}
      @keydown=${(e: KeyboardEvent) => e.key === "Enter" && keep(valueOf(e))}></sp-textfield>
  </div></div>`;
}

/**
 * A panel section whose title folds it (a small window shows the sections in use): the content
 * is not rendered while folded.
 */
export function section(state: { folded: string[] }, ctx: ViewContext, name: string, title: string, content: () => unknown, extra: unknown = nothing): TemplateResult {
  const folded = state.folded.includes(name);
  const toggle = () => ctx.model.toggleSection(name);
  return html`<section class=${name} data-section=${name}>
    <div class="section-head">
      <h2 role="button" tabindex="0" aria-expanded=${folded ? "false" : "true"} title=${folded ? `Show ${title}` : `Fold ${title}`} data-fold=${name}
        @click=${toggle} @keydown=${(e: KeyboardEvent) => (e.key === "Enter" || e.key === " ") && toggle()}>${folded ? "▸" : "▾"} ${title}</h2>
      ${extra}
    </div>
    ${folded ? nothing : content()}
  </section>`;
}
