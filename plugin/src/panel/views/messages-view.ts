/** What the panel is doing, what went wrong (the server's own words), or what it just did. */
import { html, nothing } from "lit";
import type { PanelState } from "../../model/state";

export function messagesView(state: PanelState) {
  if (state.error) return html`<p class="message error" role="alert" data-message="error">${state.error}</p>`;
  if (state.busy) return html`<p class="message" data-message="busy">${state.busy}</p>`;
  if (state.notice) return html`<p class="message notice" role="status" data-message="notice">${state.notice}</p>`;
  return nothing;
}
