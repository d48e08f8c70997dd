/**
 * The plugin's entry under UXP: it registers the "panda" panel and mounts the panel once, with the
 * Photoshop host and the server address the build was given. `photoshop` and `uxp` are the
 * recording fakes (jest moduleNameMapper); the panel itself is replaced by a spy.
 */
import { PhotoshopHost } from "../../plugin/src/hosts/photoshop/photoshop-host";

interface PanelHandlers {
  create(root?: unknown): void;
  show(root?: unknown): void;
}

test("registers the panel named in the manifest and mounts it once, into the panel's root", () => {
  process.env.PANDA_SERVER_URL = "http://127.0.0.1:8710";
  const mountPanel = jest.fn();
  let registered: unknown[] = [];
  let Host: typeof PhotoshopHost = PhotoshopHost;
  jest.isolateModules(() => {
    jest.doMock("../../plugin/src/panel", () => ({ mountPanel }));
    require("../../plugin/src/entries/photoshop");
    registered = (require("uxp") as typeof import("../mocks/uxp")).registered;
    Host = (require("../../plugin/src/hosts/photoshop/photoshop-host") as typeof import("../../plugin/src/hosts/photoshop/photoshop-host")).PhotoshopHost;
  });

  expect(registered).toHaveLength(1);
  const { panels } = registered[0] as { panels: Record<string, PanelHandlers> };
  const manifest = require("../../manifest.json");
  expect(Object.keys(panels)).toEqual(manifest.entrypoints.map((e: { id: string }) => e.id));

  const root = { id: "panel root" };
  panels.panda.create(root);
  panels.panda.show(root);
  expect(mountPanel).toHaveBeenCalledTimes(1);
  const [container, host, options] = mountPanel.mock.calls[0];
  expect(container).toBe(root);
  expect(host).toBeInstanceOf(Host);
  expect(host.kind).toBe("photoshop");
  expect(options).toEqual({ serverUrl: "http://127.0.0.1:8710" });
});
