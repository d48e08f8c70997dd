/** File ▸ New: asks for a size (a modal <dialog>); resolves null when cancelled. */
import { el } from "./dom";

export function askDocumentSize(initial: { width: number; height: number }): Promise<{ width: number; height: number } | null> {
  const width = el("input", { type: "number", min: "1", max: "16384", required: true, value: String(initial.width) });
  const height = el("input", { type: "number", min: "1", max: "16384", required: true, value: String(initial.height) });
  width.dataset.testid = "new-width";
  height.dataset.testid = "new-height";
  const ok = el("button", { type: "submit", class: "primary", textContent: "Create" });
  ok.dataset.testid = "new-ok";
  const cancel = el("button", { type: "button", textContent: "Cancel" });
  const form = el(
    "form",
    { method: "dialog", class: "dialog-form" },
    el("h2", { textContent: "New image" }),
    el("label", {}, "Width ", width, " px"),
    el("label", {}, "Height ", height, " px"),
    el("div", { class: "dialog-buttons" }, cancel, ok),
  );
  const dialog = el("dialog", { class: "dialog" }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let result: { width: number; height: number } | null = null;
    cancel.onclick = () => dialog.close();
    form.onsubmit = () => {
      result = { width: Number(width.value), height: Number(height.value) };
    };
    dialog.onclose = () => {
      dialog.remove();
      resolve(result);
    };
    dialog.showModal();
    width.select();
  });
}
