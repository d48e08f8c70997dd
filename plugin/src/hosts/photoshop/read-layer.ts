/**
 * Reads one layer as document-sized sRGB RGBA. Photoshop trims the result to the layer's pixels,
 * so they are put back at their place on a transparent canvas of the document's size.
 */
import type { PixelImage } from "../host";
import type { PhotoshopApi, PsDocument } from "./photoshop-api";
import { SRGB_PROFILE } from "./placed-image";

export async function readLayerPixels(
  imaging: PhotoshopApi["imaging"],
  doc: PsDocument,
  layerID: number,
): Promise<PixelImage> {
  const { imageData, sourceBounds } = await imaging.getPixels({
    documentID: doc.id,
    layerID,
    sourceBounds: { left: 0, top: 0, right: doc.width, bottom: doc.height },
    colorSpace: "RGB",
    colorProfile: SRGB_PROFILE,
    componentSize: 8,
  });
  try {
    const data = (await imageData.getData({ chunky: true })) as Uint8Array;
    const channels = imageData.components;
    const rgba = new Uint8Array(doc.width * doc.height * 4);
    for (let y = 0; y < imageData.height; y++) {
      const docY = sourceBounds.top + y;
      if (docY < 0 || docY >= doc.height) continue;
      for (let x = 0; x < imageData.width; x++) {
        const docX = sourceBounds.left + x;
        if (docX < 0 || docX >= doc.width) continue;
        const from = (y * imageData.width + x) * channels;
        const to = (docY * doc.width + docX) * 4;
        rgba[to] = data[from];
        rgba[to + 1] = data[from + 1];
        rgba[to + 2] = data[from + 2];
        rgba[to + 3] = channels === 4 ? data[from + 3] : 255;
      }
    }
    return { width: doc.width, height: doc.height, rgba };
  } finally {
    await imageData.dispose();
  }
}
