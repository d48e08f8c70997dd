/// <reference types="@adobe/cc-ext-uxp-types" />
/**
 * The Photoshop (UXP) entry: mounts the PandA panel with the Photoshop host, talking to the
 * companion server whose address was fixed at build time (PANDA_SERVER_URL; the manifest's network
 * permissions list the same origins). The web editor's in-browser engine (ONNX Runtime Web) is not
 * offered here: UXP does not officially support WebAssembly (README, "Without a server").
 */
import * as photoshop from "photoshop";
import { entrypoints } from "uxp";
import { PhotoshopHost } from "../hosts/photoshop/photoshop-host";
import { mountPanel } from "../panel";

/** The panel's id in manifest.json. */
export const PANEL_ID = "panda";

interface PanelHandlers {
  create?(rootNode?: HTMLElement): void;
  show?(rootNode?: HTMLElement): void;
}

/**
 * cc-ext-uxp-types declares `panels` as an array with every handler required; UXP takes an object
 * keyed by panel id with any of the handlers (Adobe's entrypoints docs), so the call is typed here.
 */
type SetupEntrypoints = (spec: { panels: Record<string, PanelHandlers> }) => void;

// Replaced by webpack's DefinePlugin with the configured server's address.
const serverUrl = process.env.PANDA_SERVER_URL;
if (!serverUrl) throw new Error("PandA Studio was built without PANDA_SERVER_URL; build it with `npm run build:photoshop`.");

const host = new PhotoshopHost(photoshop);
let mounted = false;

/** UXP calls create and then show; the panel is mounted once, into the panel's root node. */
function mountOnce(rootNode?: HTMLElement): void {
  if (mounted) return;
  mounted = true;
  mountPanel(rootNode ?? document.body, host, { serverUrl: serverUrl as string });
}

const setup = entrypoints.setup.bind(entrypoints) as unknown as SetupEntrypoints;
setup({
  panels: { [PANEL_ID]: { create: mountOnce, show: mountOnce } },
});
