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
import { FastifyInstance } from "fastify";
import { DEFAULT_UPSAMPLING, ImageParts } from "../../engine/panda/image-parts";
import { partColour } from "../../engine/panda/overlay";
import { SpatialMap } from "../../engine/panda/maps";
import { Upsampling } from "../../engine/imaging/mask-upsampling";
import { RgbaImage } from "../../runtime/image-codec";
import { requireIndices } from "./indices";
import { partMapsTask, withCoordinates } from "./imaging-tasks";
import appearanceBrowser from "./appearance-browser";
import { StepTimings } from "../../util/step-timings";
import { IMAGE_HEADERS } from "../../api/generate";
import { negotiateImageType, PixelPayload, sendPixels } from "../image-response";


/** A region at feature resolution (edited or removed) to image size on an imaging thread, as a base64 gray PNG. */
async function regionPng(app: FastifyInstance, imageId: string, ip: ImageParts, map: SpatialMap, upsampling: Upsampling = DEFAULT_UPSAMPLING): Promise<string> {
  const region = await app.imaging.image("region", { imageId, image: ip.image, map, upsampling });
  return (await encodePngOffThread(region.gray, region.width, region.height, true)).toString("base64");
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
      const mask = await app.imaging.image("mask", { ...partMapsTask(request.params.id, ip, key, upsampling), parts, kind: kind ?? "binary", threshold, feather });
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
      const { parts: ip, factorisation: f, key } = await app.imageParts(request.params.id, request.query.factorisation, { refine: request.query.refine });
      const { thumbnails, coverage } = await app.imaging.image("parts", partMapsTask(request.params.id, ip, key, request.query.upsampling));
      return {
        image: request.params.id,
        factorisation: f.id,
        width: ip.image.width,
        height: ip.image.height,
        parts: await Promise.all(
          thumbnails.map(async (thumb, index) => ({ index, colour: partColour(index), coverage: coverage[index], png: (await encodePngOffThread(thumb.rgba, thumb.width, thumb.height, false)).toString("base64") })),
        ),
      };
    },
  );

  app.post(
    "/api/images/:id/saliency",
    {
      schema: {
        description: `Where an appearance is present: heat map (8 or 16 bits) scaled by the factorisation's per-appearance min/max over samples, or the mask at its mean (threshold in ${PARTS_HEADERS.threshold}, 0…1).`,
        params: ImageParamsSchema,
        body: SaliencyRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      negotiateImageType(request);
      const { factorisation, appearance, output, upsampling, bits } = request.body;
      const { parts: ip, factorisation: f } = await app.imageParts(request.params.id, factorisation);
      requireIndices(f, [], [appearance]);
      // Lanczos, guided filter and threshold on an imaging thread.
      const { atFeatures, threshold } = (await withCoordinates(app, ip)).featureSaliency(appearance);
      const kind = output === "mask" ? "mask" : bits === 16 ? "heat16" : "heat";
      const map = await app.imaging.image("saliency", { imageId: request.params.id, image: ip.image, map: atFeatures, threshold, upsampling: upsampling ?? DEFAULT_UPSAMPLING, output: kind });
      reply.header(PARTS_HEADERS.threshold, threshold.toFixed(6));
      const payload: PixelPayload = "gray16" in map ? { kind: "gray16", width: map.width, height: map.height, gray: map.gray16 } : { kind: "gray", ...map };
      return sendPixels(request, reply, payload, { id: request.params.id, factorisation: f.id, appearance, threshold });
    },
  );

  app.post(
    "/api/images/:id/edits",
    {
      schema: {
        description: "The image with the edits applied (RGBA). JSON answers also carry `mask`: the edited region (union of the p̂_j) as base64 8-bit gray PNG. Server-Timing gives the steps' durations (parts, edit, and tail or draft).",
        params: ImageParamsSchema,
        body: EditRequestSchema,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const type = negotiateImageType(request);
      const { factorisation, edits, refine, quality } = request.body;
      const timings = new StepTimings();
      const { parts: ip, factorisation: f, image: cached } = await timings.time("parts", () => app.imageParts(request.params.id, factorisation, { refine }));
      for (const e of edits) requireIndices(f, e.parts, [e.appearance]);
      const inFeatures = toFeatureStrengths(edits, f.meta.strengthScales);
      const draft = quality === "draft" && app.requireGenerator(cached.model).layer(String(f.meta.layer)).draft !== undefined;
      // a preview frame or an Apply: someone waits for it, so it runs before queued background work (the appearance browser's previews, refinements)
      const image = await ip.editedImage(inFeatures, timings, { draft, interactive: true });
      reply.header(IMAGE_HEADERS.quality, draft ? "draft" : "full");
      // the region only travels in JSON answers (the panel's raw previews have their part's mask already)
      const mask = type === "application/json" ? await regionPng(app, request.params.id, ip, ip.editedRegionAtFeatures(inFeatures)) : null;
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
      const { parts: ip, factorisation: f, key } = await app.imageParts(request.params.id, factorisation, { refine });
      requireIndices(f, parts, background === undefined ? [] : [background]);
      const id = request.params.id;
      const appearance = ip.backgroundAppearance(background);
      await withCoordinates(app, ip);
      const json = type === "application/json";
      let image: RgbaImage;
      let mask: string | null = null;
      if (method === "pixel") {
        // the parts' binary mask, the background's presence and the fill on an imaging thread
        const removed = await app.imaging.image("pixelRemoval", { ...partMapsTask(id, ip, key, upsampling), parts, presence: ip.featureSaliency(appearance), fill: fill ?? "transparent" });
        image = removed.image;
        if (json) mask = (await encodePngOffThread(removed.region.gray, removed.region.width, removed.region.height, true)).toString("base64");
      } else {
        const removed = await ip.removedInFeatures(parts, appearance, (...task) => app.imaging.removeInFeatures(...task));
        image = removed.image;
        if (json) mask = await regionPng(app, id, ip, removed.regionAtFeatures, upsampling);
      }
      reply.header(PARTS_HEADERS.background, appearance);
      return sendPixels(request, reply, { kind: "rgba", image }, { id, factorisation: f.id, background: appearance, mask });
    },
  );
};
export default imageParts;
