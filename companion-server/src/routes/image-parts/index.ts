/**
 * Parts of one generated image under a saved factorisation: masks, part thumbnails, saliency,
 * edits and removal. Pixels go through sendPixels (PNG | raw | JSON by Accept). The first call
 * for an image computes its features at the factorisation's layer and AᵀZ; later calls reuse them.
 */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { errorResponses } from "../../api/common";
import { ApiError } from "../../api/errors";
import { toFeatureStrengths } from "../../api/strength";
import {
  EditRequestSchema,
  ImageParamsSchema,
  MaskRequestSchema,
  PARTS_HEADERS,
  PartsQuerySchema,
  PartThumbnailsSchema,
  RemovalRequestSchema,
  SaliencyRequestSchema,
} from "../../api/image-parts";
import { encodePngOffThread } from "../../runtime/png-thread";
import { DEFAULT_UPSAMPLING } from "../../engine/panda/image-parts";
import { partColour } from "../../engine/panda/overlay";
import { SpatialMap, toGray8 } from "../../engine/panda/maps";
import { requireIndices } from "./indices";
import appearanceBrowser from "./appearance-browser";
import { StepTimings } from "../../util/step-timings";
import { negotiateImageType, PixelPayload, sendPixels } from "../image-response";


function gray(map: SpatialMap): PixelPayload {
  return { kind: "gray", width: map.width, height: map.height, gray: toGray8(map) };
}

const imageParts: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(appearanceBrowser);

  app.post(
    "/api/images/:id/masks",
    {
      schema: {
        description: "The mask of a union of parts as 8-bit gray (255 = in the part): soft (per-part min–max scaled, max over parts) or binary (argmax over parts, or soft ≥ threshold); upsampled edge-aware by default, optionally feathered.",
        params: ImageParamsSchema,
        body: MaskRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      negotiateImageType(request);
      const { factorisation, parts, kind, threshold, refine, upsampling, feather } = request.body;
      if (threshold !== undefined && kind === "soft") throw new ApiError("BAD_REQUEST", { detail: "threshold applies to binary masks only" });
      const { parts: ip, factorisation: f, key } = await app.imageParts(request.params.id, factorisation, { refine });
      requireIndices(f, parts, []);
      // Upsampling, guided filter, union, threshold and feather on an imaging thread (the image's part maps stay there).
      const method = upsampling ?? DEFAULT_UPSAMPLING;
      const { factors } = f;
      const mask = await app.imaging.mask({
        key: `${key}|${method}`,
        image: ip.image,
        factors: { shape: factors.shape, partsRank: factors.partsRank, parts: factors.parts },
        refinedParts: ip.refinedParts,
        upsampling: method,
        parts,
        kind: kind ?? "binary",
        threshold,
        feather,
      });
      return sendPixels(request, reply, { kind: "gray", ...mask }, { id: request.params.id, factorisation: f.id, kind: kind ?? "binary" });
    },
  );

  app.get(
    "/api/images/:id/parts",
    {
      schema: {
        description: "Every part of the image at once, as coloured overlays (base64 PNG) with its colour and coverage.",
        params: ImageParamsSchema,
        querystring: PartsQuerySchema,
        response: { 200: PartThumbnailsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { parts: ip, factorisation: f } = await app.imageParts(request.params.id, request.query.factorisation, { refine: request.query.refine });
      const { upsampling } = request.query;
      const coverage = ip.coverage(upsampling);
      return {
        image: request.params.id,
        factorisation: f.id,
        width: ip.image.width,
        height: ip.image.height,
        parts: await Promise.all(
          ip.thumbnails(upsampling).map(async (thumb, index) => ({ index, colour: partColour(index), coverage: coverage[index], png: (await encodePngOffThread(thumb.rgba, thumb.width, thumb.height, false)).toString("base64") })),
        ),
      };
    },
  );

  app.post(
    "/api/images/:id/saliency",
    {
      schema: {
        description: `Where an appearance is present: 8-bit heat map scaled by the factorisation's per-appearance min/max over samples, or the mask at its mean (threshold in ${PARTS_HEADERS.threshold}, 0…1).`,
        params: ImageParamsSchema,
        body: SaliencyRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      negotiateImageType(request);
      const { factorisation, appearance, output, upsampling } = request.body;
      const { parts: ip, factorisation: f } = await app.imageParts(request.params.id, factorisation);
      requireIndices(f, [], [appearance]);
      const s = ip.saliency(appearance, upsampling);
      reply.header(PARTS_HEADERS.threshold, s.threshold.toFixed(6));
      return sendPixels(request, reply, gray(output === "mask" ? s.mask : s.heat), { id: request.params.id, factorisation: f.id, appearance, threshold: s.threshold });
    },
  );

  app.post(
    "/api/images/:id/edits",
    {
      schema: {
        description: "The image with the edits applied (RGBA). JSON answers also carry `mask`: the edited region (union of the p̂_j) as base64 8-bit gray PNG. Server-Timing gives the steps' durations (parts, edit, tail).",
        params: ImageParamsSchema,
        body: EditRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const type = negotiateImageType(request);
      const { factorisation, edits, refine } = request.body;
      const timings = new StepTimings();
      const { parts: ip, factorisation: f } = await timings.time("parts", () => app.imageParts(request.params.id, factorisation, { refine }));
      for (const e of edits) requireIndices(f, e.parts, [e.appearance]);
      const inFeatures = toFeatureStrengths(edits, f.meta.strengthScales);
      const image = await ip.editedImage(inFeatures, timings);
      // the region only travels in JSON answers (the panel's raw previews have their part's mask already)
      const region = type === "application/json" ? ip.editedRegion(inFeatures) : null;
      const mask = region ? (await encodePngOffThread(toGray8(region), region.width, region.height, true)).toString("base64") : null;
      reply.header("server-timing", timings.header());
      return sendPixels(request, reply, { kind: "rgba", image }, { id: request.params.id, factorisation: f.id, mask });
    },
  );

  app.post(
    "/api/images/:id/removal",
    {
      schema: {
        description: `The image with the parts removed (RGBA): in feature space (background painted in by the generator) or pixel space (transparent or background colour). The background appearance used is in ${PARTS_HEADERS.background}; JSON answers also carry \`mask\` (the removed region).`,
        params: ImageParamsSchema,
        body: RemovalRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const type = negotiateImageType(request);
      const { factorisation, parts, method, background, fill, refine, upsampling } = request.body;
      if (fill !== undefined && method !== "pixel") throw new ApiError("BAD_REQUEST", { detail: "fill applies to the pixel method only" });
      const { parts: ip, factorisation: f } = await app.imageParts(request.params.id, factorisation, { refine });
      requireIndices(f, parts, background === undefined ? [] : [background]);
      const result = await ip.remove(parts, method, { background, fill, upsampling });
      reply.header(PARTS_HEADERS.background, result.background);
      const mask = type === "application/json" ? (await encodePngOffThread(toGray8(result.region), result.region.width, result.region.height, true)).toString("base64") : null;
      return sendPixels(request, reply, { kind: "rgba", image: result.image }, { id: request.params.id, factorisation: f.id, background: result.background, mask });
    },
  );
};
export default imageParts;
