/** A tiny element builder, so views read as a tree instead of a page of createElement calls. */

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], "style" | "dataset">> & {
  class?: string;
  dataset?: Record<string, string>;
  style?: Partial<CSSStyleDeclaration>;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: (Node | string | null | false)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { class: className, dataset, style, ...rest } = props;
  if (className) node.className = className;
  if (dataset) Object.assign(node.dataset, dataset);
  if (style) Object.assign(node.style, style);
  Object.assign(node, rest);
  for (const child of children) if (child !== null && child !== false) node.append(child);
  return node;
}

/** A button showing one of the icons from plugin/web/icons (drawn with CSS masks in currentColor). */
export function iconButton(icon: string, title: string, onClick: (event: MouseEvent) => void, testId?: string): HTMLButtonElement {
  const button = el("button", { class: "icon-button", title, type: "button", onclick: onClick }, el("span", { class: `icon icon-${icon}` }));
  button.setAttribute("aria-label", title);
  keepFocus(button);
  if (testId) button.dataset.testid = testId;
  return button;
}

/**
 * True when a key event belongs to a text field rather than to the editor's shortcuts. The event's
 * composed path is read because fields inside shadow roots (the panel's Spectrum components)
 * show up as their host element in `event.target`.
 */
export function isTyping(event: Event): boolean {
  const node = (event.composedPath()[0] ?? event.target) as HTMLElement | null;
  if (!node || !node.tagName) return false;
  return node.isContentEditable || node.tagName === "TEXTAREA" || node.tagName === "SELECT" || (node.tagName === "INPUT" && !["button", "checkbox", "radio", "range"].includes((node as HTMLInputElement).type));
}

/**
 * Toolbar buttons don't take the focus when clicked, as in desktop editors: the keyboard stays with
 * the canvas, so Space pans instead of pressing the last clicked button again.
 */
export function keepFocus<T extends HTMLElement>(element: T): T {
  element.addEventListener("mousedown", (e) => e.preventDefault());
  return element;
}
