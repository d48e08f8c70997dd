/**
 * The right-hand dock: the PandA panel above the layers panel, with a splitter between them and
 * each section collapsible from its title, so both stay usable in a small window (1024×700).
 * The layers panel is as tall as its rows up to 40 % of the dock until the splitter sets a height.
 */
import { el } from "./dom";

const MIN_SECTION = 96;

export class Dock {
  readonly element: HTMLElement;

  constructor(
    private readonly top: HTMLElement,
    private readonly bottom: HTMLElement,
  ) {
    const splitter = el("div", { class: "dock-splitter", role: "separator", title: "Drag to share the dock between PandA and Layers" });
    splitter.setAttribute("aria-orientation", "horizontal");
    splitter.dataset.testid = "dock-splitter";
    this.element = el("aside", { class: "dock" }, top, splitter, bottom);
    for (const section of [top, bottom]) this.makeCollapsible(section);
    this.bindSplitter(splitter);
  }

  /** Clicking a section's title folds it to the title alone (and back). */
  private makeCollapsible(section: HTMLElement): void {
    const title = section.querySelector<HTMLElement>(":scope > .dock-title");
    if (!title) return;
    title.setAttribute("role", "button");
    title.setAttribute("aria-expanded", "true");
    title.tabIndex = 0;
    title.title = "Click to fold or unfold";
    const toggle = () => {
      const collapsed = section.classList.toggle("collapsed");
      title.setAttribute("aria-expanded", String(!collapsed));
      this.element.classList.toggle("top-collapsed", this.top.classList.contains("collapsed"));
    };
    title.addEventListener("click", toggle);
    title.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), toggle()));
  }

  /** Dragging the splitter gives the layers panel the height below the pointer. */
  private bindSplitter(splitter: HTMLElement): void {
    splitter.addEventListener("pointerdown", (down) => {
      down.preventDefault();
      splitter.setPointerCapture(down.pointerId);
      const move = (e: PointerEvent) => {
        const box = this.element.getBoundingClientRect();
        const height = Math.min(box.height - MIN_SECTION, Math.max(MIN_SECTION, box.bottom - e.clientY));
        this.bottom.style.height = `${Math.round(height)}px`;
        this.bottom.classList.add("sized");
      };
      const up = (e: PointerEvent) => {
        move(e); // the browser may coalesce the last moves into the release
        splitter.removeEventListener("pointermove", move);
        splitter.removeEventListener("pointerup", up);
      };
      splitter.addEventListener("pointermove", move);
      splitter.addEventListener("pointerup", up);
    });
  }
}
