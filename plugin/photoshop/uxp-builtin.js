// Stands in for a Spectrum Web Component that UXP provides as a built-in widget of the same tag
// (see spectrum-for-uxp.js): nothing to bundle.
