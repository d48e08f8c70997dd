/**
 * The one module that imports Spectrum Web Components, so each build can choose where they
 * come from:
 * - the web build takes them from @spectrum-web-components/* (0.39.4);
 * - the UXP build aliases the wrapped ones to @swc-uxp-wrappers/* (SWC 0.37.0 line) with the
 *   `aliases` of @swc-uxp-wrappers/utils: button, field-label, divider, menu.
 *   Picker, slider and textfield have no UXP wrapper on npm; UXP has built-in widgets under the
 *   same tag names, so the UXP build drops those imports (plugin/photoshop/spectrum-for-uxp.js)
 *   and views/widgets.ts renders the built-ins' markup where it differs.
 */
import "@spectrum-web-components/theme/sp-theme.js";
import "@spectrum-web-components/theme/theme-dark.js";
import "@spectrum-web-components/theme/scale-medium.js";
// wrapped for UXP (button, field-label, divider, menu)
import "@spectrum-web-components/button/sp-button.js";
import "@spectrum-web-components/field-label/sp-field-label.js";
import "@spectrum-web-components/divider/sp-divider.js";
import "@spectrum-web-components/menu/sp-menu.js";
import "@spectrum-web-components/menu/sp-menu-item.js";
// UXP built-ins of the same name (UXP_BUILTIN)
import "@spectrum-web-components/picker/sp-picker.js";
import "@spectrum-web-components/slider/sp-slider.js";
import "@spectrum-web-components/textfield/sp-textfield.js";

/** Imports above that UXP provides natively; the photoshop webpack config can alias them away. */
export const UXP_BUILTIN = ["picker", "slider", "textfield"].map((name) => `@spectrum-web-components/${name}`);
