/**
 * POST /api/images/:id/appearances — the appearance browser: every appearance ranked for the chosen
 * parts (engine/panda/appearance-ranking.ts), and a page of them rendered as previews of the edited
 * image at a calibrated strength, in one run of the tail. Rankings and previews are cached with the
 * image's ImageParts (so they go when the image leaves the cache); the previews of one image are
 * bounded in number, the oldest dropped first.
 */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { errorResponses } from "../../api/common";
import { requireIndices } from "./indices";
import { partMapsTask, withCoordinates } from "./imaging-tasks";
import { AppearanceBrowser, AppearanceBrowserRequestSchema, AppearanceBrowserSchema, ImageParamsSchema } from "../../api/image-parts";
import { PREVIEW_STRENGTH } from "../../api/strength";
import { ImageParts } from "../../engine/panda/image-parts";
import { downsampleArea } from "../../engine/imaging/resample";
import { RgbaImage } from "../../runtime/image-codec";
import { encodePngOffThread } from "../../runtime/png-thread";

type Preview = AppearanceBrowser["appearances"][number]["preview"];

/** Previews kept per image and factorisation: a few pages of several part sets. */
const PREVIEWS_KEPT = 192;
const DEFAULT_PAGE = 12;
const DEFAULT_SIZE = 256;

/** The image shrunk by a whole factor (area mean per channel) so that neither side exceeds `size`. */
function shrink(image: RgbaImage, size: number): RgbaImage {
  const factor = Math.ceil(Math.max(image.width, image.height) / size);
  if (factor <= 1) return image;
  const plane = image.width * image.height;
  let out: RgbaImage | null = null;
  for (let c = 0; c < 4; c++) {
    const data = new Float32Array(plane);
    for (let i = 0; i < plane; i++) data[i] = image.rgba[i * 4 + c];
    const small = downsampleArea({ width: image.width, height: image.height, data }, factor);
    out ??= { width: small.width, height: small.height, rgba: new Uint8Array(small.width * small.height * 4) };
    for (let i = 0; i < small.data.length; i++) out.rgba[i * 4 + c] = Math.round(small.data[i]);
  }
  return out as RgbaImage;
}

const appearanceBrowser: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new WeakMap<ImageParts, Map<string, Promise<Preview>>>();

  function previewsOf(ip: ImageParts): Map<string, Promise<Preview>> {
    let kept = cache.get(ip);
    if (!kept) cache.set(ip, (kept = new Map()));
    return kept;
  }

  app.post(
    "/api/images/:id/appearances",
    {
      schema: {
        description:
          "The appearance browser: appearances ranked for the parts (how much more each is present inside them than outside), a page of them with previews of the image edited at a calibrated strength (base64 PNG) and the pixel change each edit made inside and outside the parts.",
        params: ImageParamsSchema,
        body: AppearanceBrowserRequestSchema,
        response: { 200: AppearanceBrowserSchema, ...errorResponses },
      },
    },
    async (request): Promise<AppearanceBrowser> => {
      const { factorisation, parts, offset = 0, limit = DEFAULT_PAGE, appearances, strength = PREVIEW_STRENGTH, size = DEFAULT_SIZE, refine } = request.body;
      const { parts: ip, factorisation: f, key } = await app.imageParts(request.params.id, factorisation, { refine });
      requireIndices(f, parts, appearances ?? []);
      const ranking = (await withCoordinates(app, ip)).appearanceRanking(parts);
      const rankOf = new Map(ranking.map((r, rank) => [r.appearance, rank]));
      const page = appearances ? appearances.map((a) => ranking[rankOf.get(a) as number]) : ranking.slice(offset, offset + limit);

      // One tail run renders every preview of the page not rendered before.
      const kept = previewsOf(ip);
      const partsKey = [...parts].sort((a, b) => a - b).join("+");
      const keyOf = (appearance: number) => `${partsKey}|${appearance}|${strength}|${size}`;
      const missing = page.filter((r) => !kept.has(keyOf(r.appearance)));
      const rendered =
        missing.length === 0
          ? null
          : ip.appearancePreviews(
              parts,
              missing.map((r) => ({ appearance: r.appearance, lambda: strength * f.meta.strengthScales[r.appearance] })),
              // the parts' soft mask (its part maps kept there) and each preview's pixel change on an imaging thread
              (edited) => app.imaging.image("pixelChanges", { ...partMapsTask(request.params.id, ip, key), parts, edited }),
            );
      const pending = page.map((r) => {
        const key = keyOf(r.appearance);
        const index = missing.indexOf(r);
        let preview = kept.get(key);
        if (index >= 0 && rendered) {
          preview = rendered.then(async (all) => {
            const small = shrink(all[index].image, size);
            const png = await encodePngOffThread(small.rgba, small.width, small.height, false);
            return { png: png.toString("base64"), width: small.width, height: small.height, change: all[index].change };
          });
          preview.catch(() => kept.delete(key)); // a failure is not cached
        }
        kept.delete(key); // re-inserted as the newest: the least recently used go first
        kept.set(key, preview as Promise<Preview>);
        return preview as Promise<Preview>;
      });
      for (const key of kept.keys()) {
        if (kept.size <= PREVIEWS_KEPT) break;
        kept.delete(key);
      }
      const previews = await Promise.all(pending);
      return {
        image: request.params.id,
        factorisation: f.id,
        parts,
        strength,
        total: ranking.length,
        appearances: page.map((r, i) => ({ ...r, rank: rankOf.get(r.appearance) as number, preview: previews[i] })),
      };
    },
  );
};
export default appearanceBrowser;
