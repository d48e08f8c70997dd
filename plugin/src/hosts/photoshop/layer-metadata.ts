/**
 * The panel's data for one layer, kept in the layer's own XMP metadata, which Photoshop saves in
 * the PSD and carries with the layer (copies, undo). The DOM has no call for it, so it goes
 * through batchPlay: `get` of the layer's `metadata` property answers `{ metadata: { layerXMP } }`,
 * and `set` of its `XMPMetadataAsUTF8` property writes a packet. The packet is plain XMP with our
 * text in one property of our own namespace, so other XMP readers see well-formed metadata.
 */
import type { PhotoshopApi } from "./photoshop-api";

export const PANDA_XMP_NS = "https://github.com/panda-studio/xmp/1.0/";
const PROPERTY = /<panda:data>([\s\S]*?)<\/panda:data>/;

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escapeText = (text: string) => text.replace(/[&<>"]/g, (c) => ENTITIES[c]);
const unescapeText = (text: string) => text.replace(/&(amp|lt|gt|quot);/g, (whole) => Object.keys(ENTITIES).find((c) => ENTITIES[c] === whole) ?? whole);

/** An XMP packet holding `data`. */
export function xmpPacket(data: string): string {
  return [
    `<x:xmpmeta xmlns:x="adobe:ns:meta/">`,
    `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`,
    `<rdf:Description rdf:about="" xmlns:panda="${PANDA_XMP_NS}">`,
    `<panda:data>${escapeText(data)}</panda:data>`,
    `</rdf:Description>`,
    `</rdf:RDF>`,
    `</x:xmpmeta>`,
  ].join("");
}

/** Our text in a layer's XMP, or null when there is none (another program's metadata, or none at all). */
export function dataOfXmp(xmp: unknown): string | null {
  if (typeof xmp !== "string") return null;
  const match = PROPERTY.exec(xmp);
  return match ? unescapeText(match[1]) : null;
}

type Action = PhotoshopApi["action"];

export async function readLayerData(action: Action, documentID: number, layerID: number): Promise<string | null> {
  const [result] = await action.batchPlay([{ _obj: "get", _target: [{ _property: "metadata" }, { _ref: "layer", _id: layerID }, { _ref: "document", _id: documentID }] }], {});
  return dataOfXmp((result?.metadata as { layerXMP?: unknown } | undefined)?.layerXMP);
}

/** Writes the layer's XMP (inside a modal operation, like every document change). */
export async function writeLayerData(action: Action, documentID: number, layerID: number, data: string): Promise<void> {
  await action.batchPlay(
    [
      {
        _obj: "set",
        _target: [{ _ref: "property", _property: "XMPMetadataAsUTF8" }, { _ref: "layer", _id: layerID }, { _ref: "document", _id: documentID }],
        to: { _obj: "layer", XMPMetadataAsUTF8: xmpPacket(data) },
      },
    ],
    {},
  );
}
