/** What the image routes hand to the imaging threads (workers/imaging-pool.ts) about one image. */
import { FastifyInstance } from "fastify";
import { DEFAULT_UPSAMPLING, ImageParts } from "../../engine/panda/image-parts";
import { Upsampling } from "../../engine/imaging/mask-upsampling";
import { PartMapsTask } from "../../workers/imaging-wire";

/** What an imaging thread needs for this image's part maps; `key` names the image under its factorisation (app.imageParts). */
export function partMapsTask(imageId: string, ip: ImageParts, key: string, upsampling: Upsampling = DEFAULT_UPSAMPLING): PartMapsTask {
  const { shape, partsRank, parts } = ip.model.factors;
  return { imageId, key: `${key}|${upsampling}`, image: ip.image, factors: { shape, partsRank, parts }, refinedParts: ip.refinedParts, upsampling };
}

/**
 * The image's coordinates AᵀZ, computed once on an imaging thread before a route reads them
 * (saliency, removal, the appearance browser's ranking): C·R_C·S multiply-adds, 268 million at a
 * 512-channel 32×32 layer, which held the event loop when ImageParts computed them in place.
 */
export async function withCoordinates(app: FastifyInstance, ip: ImageParts): Promise<ImageParts> {
  if (!ip.hasCoordinates) ip.provideCoordinates(await app.imaging.coordinates(ip.model.factors, ip.features));
  return ip;
}
