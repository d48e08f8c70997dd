/** Help ▸ Keyboard Shortcuts: every command that has a shortcut, and the canvas's mouse controls (a modal <dialog>). */
import { el } from "./dom";
import type { Command } from "./commands";

const CANVAS_CONTROLS: ReadonlyArray<[string, string]> = [
  ["Ctrl+wheel", "Zoom at the pointer"],
  ["Wheel / Shift+wheel", "Scroll up-down / left-right"],
  ["Space+drag, middle drag", "Pan"],
  ["Double-click a layer name", "Rename the layer"],
];

export function showShortcuts(commands: readonly Command[]): void {
  const rows = [...commands.filter((c) => c.shortcut).map((c): [string, string] => [c.shortcut!, c.label]), ...CANVAS_CONTROLS];
  const table = el("table", { class: "shortcut-table" }, ...rows.map(([keys, what]) => el("tr", {}, el("td", {}, el("kbd", { textContent: keys })), el("td", { textContent: what }))));
  table.dataset.testid = "shortcut-list";
  const close = el("button", { type: "submit", class: "primary", textContent: "Close" });
  const dialog = el("dialog", { class: "dialog" }, el("form", { method: "dialog", class: "dialog-form" }, el("h2", { textContent: "Keyboard shortcuts" }), table, el("div", { class: "dialog-buttons" }, close)));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
