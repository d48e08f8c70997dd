/**
 * The one module that imports Spectrum Web Components, so each build can choose where they
 * come from:
 * - the web build takes them from @spectrum-web-components/* (0.39.4);
 * - the UXP build aliases the wrapped ones to @swc-uxp-wrappers/* (SWC 0.37.0 line) with the
 *   `aliases` of @swc-uxp-wrappers/utils: button, action-button, field-label, divider, menu.
 *   Picker, slider, textfield, help-text and progress-bar have no UXP wrapper on npm; UXP has
 *   built-in widgets under the same tag names except progress (`sp-progressbar`), so the UXP
 *   build should map those imports to an empty module (see UXP_BUILTIN below) — or keep them
 *   if Photoshop's SWC support accepts the plain packages.
 */
import "@spectrum-web-components/theme/sp-theme.js";
import "@spectrum-web-components/theme/theme-dark.js";
import "@spectrum-web-components/theme/scale-medium.js";
// wrapped for UXP
import "@spectrum-web-components/button/sp-button.js";
import "@spectrum-web-components/action-button/sp-action-button.js";
import "@spectrum-web-components/field-label/sp-field-label.js";
import "@spectrum-web-components/divider/sp-divider.js";
import "@spectrum-web-components/menu/sp-menu.js";
import "@spectrum-web-components/menu/sp-menu-item.js";
// UXP built-ins of the same name (UXP_BUILTIN)
import "@spectrum-web-components/picker/sp-picker.js";
import "@spectrum-web-components/slider/sp-slider.js";
import "@spectrum-web-components/textfield/sp-textfield.js";
import "@spectrum-web-components/help-text/sp-help-text.js";
import "@spectrum-web-components/progress-bar/sp-progress-bar.js";

/** Imports above that UXP provides natively; the photoshop webpack config can alias them away. */
export const UXP_BUILTIN = ["picker", "slider", "textfield", "help-text", "progress-bar"].map((name) => `@spectrum-web-components/${name}`);
