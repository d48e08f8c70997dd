/**
 * The Photoshop (UXP) plugin: `npm run build:photoshop` writes dist/photoshop/, which the UXP
 * Developer Tool loads (Add Plugin → dist/photoshop/manifest.json). PANDA_SERVER_URL sets the
 * companion server the panel talks to and the manifest allows (default http://127.0.0.1:8710).
 */
const { createPhotoshopConfig } = require("../photoshop/webpack-config");

module.exports = createPhotoshopConfig({ serverUrl: process.env.PANDA_SERVER_URL || undefined });
