/**
 * The web editor: `npm run build:web` writes dist/web/ (index.html, index.js, editor.css, icons),
 * which the companion server serves at /. With `--env static` (npm run build:static) the same
 * editor goes to dist/static/ as the standalone site, whose panel can run the model in the page
 * (scripts/build-static.ts then adds ONNX Runtime Web and the bundle). No source maps by eval
 * (`devtool: false`), and types are checked by `npm run typecheck`, not here, which keeps the
 * build quick.
 */
const path = require("node:path");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const CopyWebpackPlugin = require("copy-webpack-plugin");

const { DefinePlugin } = require("webpack");

const ROOT = path.resolve(__dirname, "..", "..");
const STATIC = path.join(ROOT, "plugin", "web");

module.exports = (env = {}) => ({
  name: "web",
  mode: "production",
  target: "web",
  context: ROOT,
  // the tail worker renders the live preview off the page's main thread (plugin/src/engine/tail-worker.ts)
  entry: { index: "./plugin/src/entries/web.ts", "tail-worker": "./plugin/src/engine/tail-worker.ts" },
  output: { path: path.join(ROOT, "dist", env.static ? "static" : "web"), filename: "[name].js", clean: true },
  devtool: false,
  // A local tool: readable output beats a few hundred kilobytes, and minifying costs build time.
  optimization: { minimize: false },
  performance: { hints: false },
  resolve: {
    extensions: [".ts", ".js"],
    alias: { "@server-api": path.join(ROOT, "companion-server", "src", "api") },
  },
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        loader: "ts-loader",
        options: { transpileOnly: true, configFile: path.join(ROOT, "tsconfig.json"), compilerOptions: { module: "es2020" } },
      },
    ],
  },
  plugins: [
    new DefinePlugin({ PANDA_STATIC_SITE: JSON.stringify(Boolean(env.static)) }),
    new HtmlWebpackPlugin({ template: path.join(STATIC, "index.html"), scriptLoading: "defer", chunks: ["index"] }),
    new CopyWebpackPlugin({ patterns: [{ from: STATIC, globOptions: { ignore: ["**/index.html"] } }] }),
  ],
});
