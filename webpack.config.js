/**
 * Two builds of one panel source: the web editor (served by the companion server at /) and the
 * Photoshop UXP plugin. Each target's configuration lives in plugin/webpack/.
 * `webpack --config-name web` or `--config-name photoshop` builds one of them.
 */
const { existsSync } = require("node:fs");
const path = require("node:path");

module.exports = ["web", "photoshop"]
  .map((name) => path.join(__dirname, "plugin", "webpack", `${name}.config.js`))
  .filter((file) => existsSync(file))
  .map((file) => require(file));
