/**
 * Where the panel's Spectrum Web Components come from in Photoshop. The panel imports plain
 * `@spectrum-web-components/*` in one module (plugin/src/panel/components.ts); in the UXP build:
 * - a component with an installed UXP wrapper comes from `@swc-uxp-wrappers/*`, through the
 *   wrappers' own alias list (@swc-uxp-wrappers/utils);
 * - the theme comes from the SWC 0.37 line the wrappers are built on (@swc-uxp-internal/theme);
 * - a component without a wrapper is one UXP supports only as its built-in widget of the same tag
 *   (picker, slider, textfield, …; Adobe's "Spectrum to SWC mapping"), so its import is dropped:
 *   importing the SWC version would make UXP use that, unsupported, instead.
 * Only the panel's own imports are rewritten; the packages' imports among themselves stay as they are.
 */
const fs = require("node:fs");
const path = require("node:path");

const SWC = "@spectrum-web-components/";

/** The wrappers' alias list; without it (Node older than 20.19 cannot require() an ES module), one alias per installed wrapper. */
function wrapperAliasList(root) {
  try {
    return require("@swc-uxp-wrappers/utils").aliases;
  } catch {
    const dir = path.join(root, "node_modules", "@swc-uxp-wrappers");
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name !== "utils") : [];
    return Object.fromEntries(names.map((name) => [SWC + name, `@swc-uxp-wrappers/${name}`]));
  }
}

function installed(root, packageName) {
  return fs.existsSync(path.join(root, "node_modules", ...packageName.split("/"), "package.json"));
}

/** resolve.alias entries: `@spectrum-web-components/x` → `@swc-uxp-wrappers/x` for installed wrappers. */
function uxpSpectrumAliases(root) {
  return Object.fromEntries(
    Object.entries(wrapperAliasList(root)).filter(([, target]) => installed(root, target.split("/").slice(0, 2).join("/"))),
  );
}

/**
 * A NormalModuleReplacementPlugin callback for imports issued from `sourceDir`: the theme to the
 * 0.37 line, components without a wrapper to `builtinModule` (an empty module).
 */
function uxpSpectrumReplacement(root, sourceDir, builtinModule) {
  const aliases = uxpSpectrumAliases(root);
  return (resource) => {
    if (!resource.contextInfo.issuer.startsWith(sourceDir) || !resource.request.startsWith(SWC)) return;
    const name = resource.request.slice(SWC.length).split("/")[0];
    if (aliases[SWC + name]) return;
    if (name === "theme" && installed(root, "@swc-uxp-internal/theme")) {
      resource.request = resource.request.replace(SWC, "@swc-uxp-internal/");
    } else {
      resource.request = builtinModule;
    }
  };
}

module.exports = { uxpSpectrumAliases, uxpSpectrumReplacement };
