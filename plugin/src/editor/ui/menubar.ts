/** A desktop-style menubar: click to open, hover to move between open menus, Escape or a click outside to close. */
import { el, keepFocus } from "./dom";

export interface MenuItem {
  id: string;
  label: string;
  /** shown at the right of the item, e.g. "Ctrl+Z" */
  shortcut?: string;
  enabled?: () => boolean;
  run: () => void;
}

export interface Menu {
  label: string;
  items: (MenuItem | "separator")[];
}

export class Menubar {
  readonly element: HTMLElement;
  private openIndex = -1;
  private readonly buttons: HTMLButtonElement[] = [];
  private readonly popups: HTMLElement[] = [];

  /** `run` performs an item (the app wraps it to report failures). */
  constructor(
    private readonly menus: Menu[],
    private readonly run: (item: MenuItem) => void = (item) => item.run(),
  ) {
    this.element = el("nav", { class: "menubar" });
    menus.forEach((menu, index) => {
      const button = keepFocus(el("button", { class: "menubar-button", type: "button", textContent: menu.label }));
      button.dataset.testid = `menu-${menu.label.toLowerCase()}`;
      button.addEventListener("click", () => (this.openIndex === index ? this.close() : this.open(index)));
      button.addEventListener("mouseenter", () => this.openIndex >= 0 && this.openIndex !== index && this.open(index));
      const popup = el("div", { class: "menu-popup", hidden: true });
      this.buttons.push(button);
      this.popups.push(popup);
      this.element.append(el("div", { class: "menubar-item" }, button, popup));
    });
    document.addEventListener("pointerdown", (e) => this.openIndex >= 0 && !this.element.contains(e.target as Node) && this.close());
    document.addEventListener("keydown", (e) => e.key === "Escape" && this.close());
  }

  private open(index: number): void {
    this.close();
    this.openIndex = index;
    const popup = this.popups[index];
    // Items are rebuilt on open so that their enabled state is current.
    popup.replaceChildren(...this.menus[index].items.map((item) => (item === "separator" ? el("div", { class: "menu-separator" }) : this.itemElement(item))));
    popup.hidden = false;
    this.buttons[index].classList.add("open");
  }

  close(): void {
    if (this.openIndex < 0) return;
    this.popups[this.openIndex].hidden = true;
    this.buttons[this.openIndex].classList.remove("open");
    this.openIndex = -1;
  }

  private itemElement(item: MenuItem): HTMLElement {
    const enabled = item.enabled?.() ?? true;
    const button = keepFocus(el("button", { class: "menu-item", type: "button", disabled: !enabled }, el("span", { class: "menu-label" }, item.label), el("span", { class: "menu-shortcut" }, item.shortcut ?? "")));
    button.dataset.testid = `cmd-${item.id}`;
    button.addEventListener("click", () => {
      this.close();
      this.run(item);
    });
    return button;
  }
}
