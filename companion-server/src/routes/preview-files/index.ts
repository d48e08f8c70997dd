/**
 * The files a page needs to run the live preview itself (plugin/src/engine/page-tail): a model's
 * tail graphs by path with content hashes (ETag, revalidated with If-None-Match), an image's
 * features at a layer, a factorisation's factors and the parts refined for the image as float32
 * `.npy`. The page then renders each slider step without a request, with the parts the server's
 * masks and edits use; Apply still asks POST /edits for the server's pixels.
 */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { FastifyReply, FastifyRequest } from "fastify";
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { errorResponses } from "../../api/common";
import { ApiError } from "../../api/errors";
import {
  BundleFile,
  FactorFileParamsSchema,
  FeaturesParamsSchema,
  FeaturesQuerySchema,
  ModelFileParamsSchema,
  ModelFiles,
  ModelFilesParamsSchema,
  ModelFilesSchema,
  RefinedPartsQuerySchema,
} from "../../api/preview-files";
import { formatNpy } from "../../engine/io/npy";
import { Generator } from "../../runtime/generator";
import { draftAtImageSize } from "../../onnx/resize-graph";

export const NPY_TYPE = "application/x-npy";

/** One file of the listing: on disk as it is, or bytes made here (a draft scaled to the image size). */
interface ServedFile extends BundleFile {
  file: string;
  bytes: number;
  made?: Buffer;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** model.json, each layer's tail and draft (as the server runs it), shared weights. */
async function listFiles(generator: Generator): Promise<Map<string, ServedFile>> {
  const { dir, manifest } = { dir: generator.bundle.dir, manifest: generator.manifest };
  const served = new Map<string, ServedFile>();
  const onDisk = async (path: string) => {
    const file = join(dir, path);
    served.set(path, { file, bytes: statSync(file).size, sha256: await hashFile(file) });
  };
  await onDisk("model.json");
  for (const layer of manifest.layers) {
    await onDisk(layer.tail);
    if (layer.draft) {
      const made = Buffer.from(draftAtImageSize(await readFile(join(dir, layer.draft)), manifest.image));
      served.set(layer.draft, { file: join(dir, layer.draft), bytes: made.length, sha256: createHash("sha256").update(made).digest("hex"), made });
    }
  }
  if (manifest.weights) await onDisk(manifest.weights);
  return served;
}

/** 304 when the client holds this version already. */
function notModified(request: FastifyRequest, reply: FastifyReply, sha256: string): boolean {
  const etag = `"${sha256}"`;
  // the client checks back each time (a rebuilt model changes the hash); a match costs one empty answer
  reply.header("etag", etag).header("cache-control", "no-cache");
  const asked = request.headers["if-none-match"];
  return asked !== undefined && asked.split(",").some((tag) => tag.trim() === etag);
}

const previewFiles: FastifyPluginAsyncTypebox = async (app) => {
  const listings = new Map<string, Promise<Map<string, ServedFile>>>();
  const filesOf = (generator: Generator) => {
    let listing = listings.get(generator.id);
    if (!listing) {
      listing = listFiles(generator);
      listing.catch(() => listings.delete(generator.id));
      listings.set(generator.id, listing);
    }
    return listing;
  };

  app.get(
    "/api/models/:id/files",
    {
      schema: {
        description: "The files a page needs to run this model's tail itself (the live preview without a request per step), with sizes and SHA-256.",
        params: ModelFilesParamsSchema,
        response: { 200: ModelFilesSchema, ...errorResponses },
      },
    },
    async (request): Promise<ModelFiles> => {
      const generator = app.requireGenerator(request.params.id);
      const files = await filesOf(generator);
      return { model: generator.id, files: Object.fromEntries([...files].map(([path, f]) => [path, { bytes: f.bytes, sha256: f.sha256 }])) };
    },
  );

  app.get(
    "/api/models/:id/files/*",
    { schema: { description: "One file of the listing (ETag: its SHA-256).", params: ModelFileParamsSchema, response: { 200: Type.Unknown({ description: "the file" }), 304: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const generator = app.requireGenerator(request.params.id);
      const path = request.params["*"];
      const files = await filesOf(generator);
      const served = files.get(path);
      if (!served) throw new ApiError("UNKNOWN_MODEL_FILE", { model: generator.id, path, available: [...files.keys()].join(", ") });
      if (notModified(request, reply, served.sha256)) return reply.code(304).send(null);
      reply.type(path.endsWith(".json") ? "application/json" : "application/octet-stream").header("content-length", served.bytes);
      return reply.send(served.made ?? createReadStream(served.file));
    },
  );

  app.get(
    "/api/images/:id/features",
    {
      schema: {
        description: `The image's feature map at a layer (or one of its auxiliary tensors), float32 .npy (${NPY_TYPE}): what the model's tail takes.`,
        params: FeaturesParamsSchema,
        querystring: FeaturesQuerySchema,
        response: { 200: Type.Unknown({ description: NPY_TYPE }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const image = app.requireImage(request.params.id);
      const generator = app.requireGenerator(image.model);
      const layer = app.requireLayer(generator, request.query.layer);
      const tensor = request.query.tensor ?? "features";
      const auxiliary = generator.manifest.auxiliary ?? [];
      const spec = tensor === "features" ? { shape: layer.shape } : auxiliary.find((a) => a.name === tensor);
      if (!spec) throw new ApiError("UNKNOWN_TENSOR", { tensor, model: generator.id, available: ["features", ...auxiliary.map((a) => a.name)].join(", ") });
      const batch = await app.imageFeatures(image, layer.id);
      const data = tensor === "features" ? batch.features : batch.auxiliary[tensor];
      return reply.type(NPY_TYPE).send(formatNpy({ dtype: "float32", shape: [1, ...spec.shape], data }));
    },
  );

  app.get(
    "/api/images/:id/refined-parts",
    {
      schema: {
        description: `The factorisation's parts refined for this image (S×R_S, float32 .npy, ${NPY_TYPE}): what its masks and edits with \`refine\` use. Refined once per image and kept with it, as for those requests.`,
        params: FeaturesParamsSchema,
        querystring: RefinedPartsQuerySchema,
        response: { 200: Type.Unknown({ description: NPY_TYPE }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { parts: ip, factorisation: f } = await app.imageParts(request.params.id, request.query.factorisation, { refine: true });
      const { shape, partsRank } = f.factors;
      return reply.type(NPY_TYPE).send(formatNpy({ dtype: "float32", shape: [shape.height * shape.width, partsRank], data: ip.refinedParts as Float32Array }));
    },
  );

  app.get(
    "/api/factorisations/:id/:file",
    {
      schema: {
        description: `The factorisation's parts P (S×R_S) or appearances A (C×R_C), float32 .npy (${NPY_TYPE}), as its folder keeps them.`,
        params: FactorFileParamsSchema,
        response: { 200: Type.Unknown({ description: NPY_TYPE }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const f = app.requireFactorisation(request.params.id);
      const { factors } = f;
      const s = factors.shape.height * factors.shape.width;
      const npy = request.params.file === "parts.npy" ? { shape: [s, factors.partsRank], data: factors.parts } : { shape: [factors.shape.channels, factors.appearancesRank], data: factors.appearances };
      return reply.type(NPY_TYPE).send(formatNpy({ dtype: "float32", ...npy }));
    },
  );
};
export default previewFiles;
