/**
 * In Photoshop, Spectrum Web Components must come from Adobe's UXP wrappers. The panel imports
 * plain `@spectrum-web-components/*` (in one module); this build maps each of those that has a
 * wrapper installed to `@swc-uxp-wrappers/*`, using the wrappers' own alias list
 * (@swc-uxp-wrappers/utils). Components without an installed wrapper stay as they are.
 */
const fs = require("node:fs");
const path = require("node:path");

function wrapperAliasList() {
  try {
    // An ES module; require() of ES modules works from Node 20.19.
    return require("@swc-uxp-wrappers/utils").aliases;
  } catch {
    return {};
  }
}

function uxpSpectrumAliases(root) {
  const installed = (target) => {
    const [scope, name] = target.split("/");
    return fs.existsSync(path.join(root, "node_modules", scope, name, "package.json"));
  };
  return Object.fromEntries(Object.entries(wrapperAliasList()).filter(([, target]) => installed(target)));
}

module.exports = { uxpSpectrumAliases };
