/**
 * The webpack configuration of the Photoshop (UXP) plugin, as a function of the server address
 * and the output folder so that tests can build it elsewhere. Output: a folder the UXP Developer
 * Tool loads as it is — manifest.json, index.html, index.js and the icons.
 *
 * UXP forbids code generation from strings, so: no eval-based source maps (`devtool: false`), and
 * none of webpack's runtime that can use `new Function` (the `global` shim; chunk loading, whose
 * automatic public path needs it). The host modules photoshop, uxp and
 * os are provided by UXP at run time (`require`), never bundled.
 */
const fs = require("node:fs");
const path = require("node:path");
const webpack = require("webpack");
const { buildManifest, normaliseServerUrl, DEFAULT_SERVER_URL } = require("./manifest");
const { iconFiles } = require("./icons");
const { uxpSpectrumAliases, uxpSpectrumReplacement } = require("./spectrum-for-uxp");

const ROOT = path.resolve(__dirname, "..", "..");
const MANIFEST_TEMPLATE = path.join(ROOT, "manifest.json");
const INDEX_HTML = path.join(__dirname, "index.html");

/** Emits manifest.json (for this server), index.html and the icons beside the bundle. */
class PluginFilesPlugin {
  constructor(serverUrl) {
    this.serverUrl = serverUrl;
  }

  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap("PluginFilesPlugin", (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: "PluginFilesPlugin", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          // Read on every build, so that `--watch` picks up edits to them.
          compilation.fileDependencies.add(MANIFEST_TEMPLATE);
          compilation.fileDependencies.add(INDEX_HTML);
          const template = JSON.parse(fs.readFileSync(MANIFEST_TEMPLATE, "utf8"));
          const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
          const manifest = buildManifest(template, { serverUrl: this.serverUrl, version });
          compilation.emitAsset("manifest.json", new RawSource(`${JSON.stringify(manifest, null, 2)}\n`));
          compilation.emitAsset("index.html", new RawSource(fs.readFileSync(INDEX_HTML)));
          for (const icon of iconFiles(manifest)) compilation.emitAsset(icon.path, new RawSource(icon.png));
        },
      );
    });
  }
}

function createPhotoshopConfig({ serverUrl = DEFAULT_SERVER_URL, outDir = path.join(ROOT, "dist", "photoshop") } = {}) {
  const server = normaliseServerUrl(serverUrl);
  return {
    name: "photoshop",
    mode: "production",
    target: "web",
    context: ROOT,
    entry: { index: "./plugin/src/entries/photoshop.ts" },
    // One file: UXP gets no runtime chunk loading (it would need script tags and a public path).
    output: { path: outDir, filename: "[name].js", publicPath: "", clean: true },
    devtool: false,
    // Readable in the UXP Developer Tool's debugger; size does not matter for a local plugin.
    optimization: { minimize: false },
    node: { global: false },
    performance: { hints: false },
    externalsType: "commonjs2",
    externals: { photoshop: "photoshop", uxp: "uxp", os: "os" },
    resolve: {
      extensions: [".ts", ".js"],
      alias: {
        "@server-api": path.join(ROOT, "companion-server", "src", "api"),
        ...uxpSpectrumAliases(ROOT),
      },
    },
    module: {
      rules: [
        {
          test: /\.ts$/,
          exclude: /node_modules/,
          loader: "ts-loader",
          // Types are checked by `npm run typecheck`; here TypeScript only transpiles, to a
          // conservative language level for UXP's JavaScript engine.
          options: { transpileOnly: true, configFile: path.join(ROOT, "tsconfig.json"), compilerOptions: { module: "es2020", target: "es2019" } },
        },
      ],
    },
    plugins: [
      new webpack.DefinePlugin({ "process.env.PANDA_SERVER_URL": JSON.stringify(server) }),
      new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 }),
      new webpack.NormalModuleReplacementPlugin(
        /^@spectrum-web-components\//,
        uxpSpectrumReplacement(ROOT, path.join(ROOT, "plugin", "src"), path.join(__dirname, "uxp-builtin.js")),
      ),
      new PluginFilesPlugin(server),
    ],
  };
}

module.exports = { createPhotoshopConfig };
