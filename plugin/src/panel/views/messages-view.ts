/**
 * What the panel is doing, what went wrong (the server's own words), or what it just did.
 * Shown below the scrolling sections, so it is seen wherever the user scrolled to.
 */
import { html, nothing } from "lit";
import type { PanelState } from "../../model/state";

export function messagesView(state: PanelState) {
  return html`<div class="messages">${message(state)}</div>`;
}

function message(state: PanelState) {
  if (state.error) return html`<p class="message error" role="alert" data-message="error">${state.error}</p>`;
  if (state.busy) return html`<p class="message busy" data-message="busy">${state.busy}</p>`;
  if (state.notice) return html`<p class="message notice" role="status" data-message="notice">${state.notice}</p>`;
  return nothing;
}
