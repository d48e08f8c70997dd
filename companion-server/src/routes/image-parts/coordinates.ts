import { FastifyInstance } from "fastify";
import { ImageParts } from "../../engine/panda/image-parts";

/**
 * The image's coordinates AᵀZ, computed once on an imaging thread before a route reads them
 * (saliency, removal, the appearance browser's ranking): C·R_C·S multiply-adds, 268 million at a
 * 512-channel 32×32 layer, which held the event loop when ImageParts computed them in place.
 */
export async function withCoordinates(app: FastifyInstance, ip: ImageParts): Promise<ImageParts> {
  if (!ip.hasCoordinates) ip.provideCoordinates(await app.imaging.coordinates(ip.model.factors, ip.features));
  return ip;
}
