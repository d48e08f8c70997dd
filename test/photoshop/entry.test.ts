/**
 * The plugin's entry under UXP: it registers the "panda" panel and mounts it once, with the
 * Photoshop host and the server address the build was given. `photoshop` and `uxp` are the
 * recording fakes (jest moduleNameMapper).
 */
interface PanelHandlers {
  create(root?: unknown): void;
  show(root?: unknown): void;
}

test("registers the panel from the manifest and mounts it once into the panel's root", () => {
  process.env.PANDA_SERVER_URL = "http://127.0.0.1:8710";
  let registered: unknown[] = [];
  jest.isolateModules(() => {
    require("../../plugin/src/entries/photoshop");
    registered = (require("uxp") as typeof import("../mocks/uxp")).registered;
  });

  expect(registered).toHaveLength(1);
  const { panels } = registered[0] as { panels: Record<string, PanelHandlers> };
  expect(Object.keys(panels)).toEqual(["panda"]);

  const root = { textContent: "" };
  panels.panda.create(root);
  panels.panda.show(root);
  expect(root.textContent).toContain("http://127.0.0.1:8710");
});
