/**
 * The panel's behaviour: every user action, as a method that talks to the server through a
 * PandaClient and to the document through a Host, and records the outcome in the store.
 * Views only render the store and call these methods; tests drive them with fakes.
 */
import type { ActiveLayer, GrayImage, Host, LayerRef, PixelImage } from "../hosts/host";
import type { AppearanceBrowser, NotesPatchRequest, PandaClient } from "../client/client";
import type { EditRequest } from "@server-api/image-parts";
import { ClientError, isAbort } from "../client/errors";
import { colourise, INFERNO } from "./colour-map";
import { LayerKind, LayerOrigin, ORIGIN_VERSION, decodeOrigin, encodeOrigin, imageKey, sameImage } from "./layer-origin";
import { progressView } from "./job-progress";
import { initialPartSet, legacyPatches, notesOf } from "./part-sets";
import { LivePreview, PreviewFrame, PreviewTiming } from "./live-preview";
import type { LocalPreview, LocalPreviewStatus } from "./local-preview";
import { PlacedLayers } from "./placed-layers";
import { PlacementSettings, placeImage } from "./placement";
import { pngDataUrl } from "./png-data-url";
import { saliencyOverlay } from "./saliency-overlay";
import { SaliencyOutput, Settings, normaliseServerUrl, normaliseToken } from "./settings";
import { AppearanceOrder, AppearanceView, CurrentImage, DiscoverSettings, DownloadState, EngineKind, GenerateSettings, MaskKind, PanelState, initialState } from "./state";
import { Store } from "./store";
import { roundStrength, StrengthDrag } from "./strength";
import { InputError, MAX_SEED, checkInteger, checkNumber, randomSeed } from "./validate";

/** the server's cap on parts per factorisation (its CreateFactorisationRequest schema) */
const MAX_PARTS = 64;
/**
 * Masks (selection, layer mask, an edit's mask) and edits (the live preview's frames, Apply, the
 * appearance browser's previews) use the parts refined for each image: mask edges follow this
 * face's hair, skin and background, and an edit moves the features where that mask lets it show
 * (at the global parts it would be weak where the refined part reaches beyond the global one, and
 * cut off where the global part strays outside the mask).
 */
const REFINED_PARTS = true;

/** the server's cap on previews per request (MAX_PREVIEWS of its appearance browser) */
const MAX_PREVIEWS = 48;

export interface PanelModelOptions {
  host: Host;
  /** builds the client for a server address and its LAN-mode token (both can change at run time) */
  createClient: (serverUrl: string, token: string | null) => PandaClient;
  settings: Settings;
  /** used when no address was remembered */
  defaultServerUrl: string;
  /** the server the page's address names (?server=): it wins over the remembered one for this visit, which is not overwritten */
  serverUrlForVisit?: string;
  /** how many appearance thumbnails to show (the first appearances carry the most variance) */
  appearanceThumbnails?: number;
  /** called each time the live preview layer shows a new strength (the latency bench listens) */
  onPreviewShown?: (strength: number, timing: PreviewTiming) => void;
  /** "browser": the client runs the model in this page (no server address to change); default "server" */
  engine?: EngineKind;
  /** why the model runs in this page though a server was asked for (engine "browser") */
  inBrowserReason?: string;
  /**
   * The live preview rendered in a worker of this page (the web editor; null where the client or
   * the page cannot): from the server's image features, or from the in-browser engine's. Called
   * again whenever the server or the setting changes.
   */
  createLocalPreview?: (client: PandaClient, options: { limitBytes: number; onStatus: (status: LocalPreviewStatus) => void }) => LocalPreview | null;
}

export class PanelModel {
  readonly store: Store<PanelState>;
  private client: PandaClient;
  private readonly host: Host;
  private readonly preview: LivePreview<number>;
  /** the live preview's frames rendered in this page, when the server's model allows (else null: the server renders them) */
  private localPreview: LocalPreview | null = null;
  /** part masks by maskKey, each fetched once (a failed fetch is forgotten, so the next use asks again) */
  private readonly masks = new Map<string, Promise<GrayImage>>();
  /** bumped whenever the image or factorisation changes, so late thumbnails are dropped */
  private partsGeneration = 0;
  /** server image ids of the images seen this session, by imageKey (the server keeps the latest 64) */
  private readonly serverImages = new Map<string, string>();
  /** active-layer checks run one after another */
  private following: Promise<void> = Promise.resolve();
  /** the factorisation whose parts are shown (picks are kept while it stays) */
  private shownFactorisation: string | null = null;
  /** true while a user action runs: it decides the image itself, and the check follows when it ends */
  private acting = false;
  /** bumped whenever the appearances shown must start again (parts, order, image), so late pages are dropped */
  private appearanceGeneration = 0;
  /** the appearances loading in the background (after a part click) */
  private appearanceLoad: Promise<void> = Promise.resolve();
  /** the strength slider's drag (Shift: fine control) */
  private readonly strengthDrag = new StrengthDrag();
  /** Shift is held over the slider */
  private fineHeld = false;
  /** the slider's pointer is down: the strengths are a drag's, previewed as drafts until it lets go */
  private sliderHeld = false;

  constructor(private readonly options: PanelModelOptions) {
    const serverUrl = options.serverUrlForVisit ?? options.settings.serverUrl(options.defaultServerUrl);
    const token = options.settings.token();
    this.store = new Store(initialState(serverUrl, options.settings.preferences(), token, options.engine, options.inBrowserReason));
    this.client = options.createClient(serverUrl, token);
    if (options.createLocalPreview) this.store.update({ pagePreview: { enabled: options.settings.preferences().pagePreview, status: null } });
    this.localPreview = this.makeLocalPreview();
    this.host = options.host;
    this.preview = new LivePreview(
      options.host,
      (strength, draft) => this.previewFrame(strength, draft),
      (strength, timing) => options.onPreviewShown?.(strength, timing),
      (err) => this.fail(err),
    );
  }

  get state(): PanelState {
    return this.store.get();
  }

  // ── connection ────────────────────────────────────────────────────────────

  /** Checks the server and loads its models; the status shows the outcome. */
  async connect(): Promise<void> {
    this.store.update((s) => ({ connection: { ...s.connection, status: "connecting" } }));
    try {
      const health = await this.client.health();
      const models = await this.client.models();
      const current = this.state.modelId;
      const modelId = models.some((m) => m.id === current) ? current : (models.find((m) => !m.testModel) ?? models[0])?.id ?? null;
      this.store.update((s) => ({ connection: { ...s.connection, status: "connected", health }, models, error: null }));
      if (modelId !== current || this.state.layerId === null) await this.selectModel(modelId);
      if (models.length === 0) this.store.update({ error: "The server has no generator models. Put a bundle into its models folder and restart it." });
    } catch (err) {
      this.fail(err);
    }
    await this.refreshDocument();
  }

  /** A health check without side effects unless the status changes (polled by the panel). */
  async checkConnection(): Promise<void> {
    await this.refreshDocument();
    const before = this.state.connection.status;
    try {
      const health = await this.client.health();
      if (before !== "connected") return this.connect();
      this.store.update((s) => ({ connection: { ...s.connection, health } }));
    } catch (err) {
      if (before !== "offline") this.fail(err);
    }
  }

  /** The model's files arriving in the page (in-browser engine); null once they are all there. */
  showDownload(download: DownloadState | null): void {
    this.store.update({ download });
  }

  async setServerUrl(text: string): Promise<void> {
    return this.setConnection(text, this.state.connection.token ?? "");
  }

  /** Connects to the server at `urlText`, presenting `tokenText` (empty: no token, as on loopback). */
  async setConnection(urlText: string, tokenText: string): Promise<void> {
    let url: string;
    let token: string | null;
    try {
      url = normaliseServerUrl(urlText);
      token = normaliseToken(tokenText);
    } catch (err) {
      return this.fail(err);
    }
    this.options.settings.rememberServerUrl(url);
    this.options.settings.rememberToken(token);
    this.client = this.options.createClient(url, token);
    this.localPreview?.dispose();
    this.localPreview = this.makeLocalPreview();
    this.store.update((s) => ({ connection: { ...s.connection, serverUrl: url, token, health: null } }));
    await this.connect();
  }

  // ── model and generation ──────────────────────────────────────────────────

  async selectModel(modelId: string | null): Promise<void> {
    this.useModel(modelId);
    await this.refreshFactorisations();
    await this.reloadParts();
  }

  /** The model, its default layer and truncation, as picked (no loading). */
  private useModel(modelId: string | null): void {
    const model = this.state.models.find((m) => m.id === modelId);
    const layer = model?.layers.find((l) => l.default) ?? model?.layers[0];
    this.store.update({
      modelId: model?.id ?? null,
      layerId: layer?.id ?? null,
      generate: { ...this.state.generate, truncation: model?.truncation.default ?? 1 },
    });
  }

  async selectLayer(layerId: string): Promise<void> {
    this.store.update({ layerId });
    await this.refreshFactorisations();
    await this.reloadParts();
  }

  /** Clears the last success message if it is still `notice` (the panel shows notices for a few seconds). */
  dismissNotice(notice: string): void {
    if (this.state.notice === notice) this.store.update({ notice: null });
  }

  setGenerate(patch: Partial<GenerateSettings>): void {
    this.store.update((s) => ({ generate: { ...s.generate, ...patch } }));
  }

  setDiscover(patch: Partial<DiscoverSettings>): void {
    this.store.update((s) => ({ discover: { ...s.discover, ...patch } }));
    if (patch.seed !== undefined) this.rememberPreferences();
  }

  /** How the next generated image is placed in a document of another size (remembered). */
  setPlacement(patch: Partial<PlacementSettings>): void {
    this.store.update((s) => ({ placement: { ...s.placement, ...patch } }));
    this.rememberPreferences();
  }

  /** Hard-edged or soft (feathered) masks and selections; a showing preview takes the new mask. */
  setMaskKind(maskKind: MaskKind): void {
    this.store.update({ maskKind });
    if (this.preview.showing && this.state.strength !== 0 && this.state.appearanceIndex !== null && this.state.partIndex !== null) this.preview.push(this.state.strength);
  }

  /** Folds a panel section to its title, or unfolds it. */
  toggleSection(name: string): void {
    this.store.update((s) => ({ folded: s.folded.includes(name) ? s.folded.filter((n) => n !== name) : [...s.folded, name] }));
  }

  toggleHelp(): void {
    this.store.update((s) => ({ help: !s.help }));
  }

  setSaliencyOutput(output: SaliencyOutput): void {
    this.store.update({ saliencyOutput: output });
    this.rememberPreferences();
  }

  /** Notes the host's open document (its size decides whether the placement choice matters). */
  async refreshDocument(): Promise<void> {
    let doc: PanelState["document"];
    try {
      doc = await this.host.document();
    } catch {
      doc = null; // e.g. Photoshop busy in a modal state: try again on the next check
    }
    const now = this.state.document;
    if (doc?.width !== now?.width || doc?.height !== now?.height || doc?.title !== now?.title) this.store.update({ document: doc });
    await this.syncActiveLayer();
  }

  // ── the active layer ──────────────────────────────────────────────────────

  /**
   * Follows the document's active layer: the PandA image it shows becomes the one every action
   * works on (generated again on the server from the layer's latent when needed, e.g. after a
   * reopen); a layer PandA did not make gets a note saying so. Checks run one at a time.
   */
  syncActiveLayer(): Promise<void> {
    if (this.acting) return this.following;
    const next = this.following.then(() => this.followActiveLayer()).catch((err) => this.fail(err));
    this.following = next;
    return next;
  }

  private async followActiveLayer(): Promise<void> {
    if (this.state.connection.status !== "connected") return;
    let active: ActiveLayer | null;
    try {
      active = await this.host.activeLayer();
    } catch {
      return; // e.g. Photoshop busy in a modal state: the next check sees it
    }
    const current = this.state.image;
    if (!active) return this.leaveImage(null);
    const origin = decodeOrigin(active.data);
    if (!origin) return this.leaveImage(`Not supported: PandA edits images this model generated, and PandA did not make the layer "${active.ref.name}". Select a layer PandA generated, or generate one.`);
    if (!this.state.models.some((m) => m.id === origin.model)) {
      return this.leaveImage(`The layer "${active.ref.name}" was generated with the model "${origin.model}", which this server does not have.`);
    }
    if (current && sameImage(current.origin, origin)) {
      // the same image: actions now target this layer (never the transient preview)
      if (origin.kind !== "preview" && current.layer.id !== active.ref.id) this.store.update({ image: { ...current, layer: active.ref, origin }, layerNote: null });
      return;
    }
    const id = await this.serverImageFor(origin);
    await this.discardPreview();
    this.store.update({ image: imageOf(id, origin, active.ref), layerNote: null, error: null });
    await this.useOriginSettings(origin);
    await this.loadParts();
    this.restoreEdit(origin);
  }

  /** No PandA image on the active layer: nothing to show parts of. */
  private async leaveImage(note: string | null): Promise<void> {
    if (!this.state.image && this.state.layerNote === note) return;
    await this.discardPreview();
    this.partsGeneration++;
    this.appearanceGeneration++;
    this.store.update({ image: null, layerNote: note, parts: [], partIndex: null, partIndices: [], appearances: [], favourites: [], appearanceCount: 0, appearanceScales: [], appearanceIndex: null, strength: 0 });
  }

  /** The server's id for the image, generating it again from its latent when the server no longer has it. */
  private async serverImageFor(origin: LayerOrigin): Promise<string> {
    const key = imageKey(origin);
    const known = this.serverImages.get(key);
    if (known && (await this.client.imageInfo(known).then(() => true, () => false))) return known;
    const again = await this.client.generate({ model: origin.model, latent: origin.latent, truncation: origin.truncation });
    this.serverImages.set(key, again.id);
    return again.id;
  }

  /** Switches model, layer and parts to those the layer was made with, where they still exist. */
  private async useOriginSettings(origin: LayerOrigin): Promise<void> {
    if (origin.model !== this.state.modelId) this.useModel(origin.model);
    if (origin.factorisation && origin.factorisation !== this.state.factorisationId) {
      const saved = await this.client.factorisation(origin.factorisation).catch(() => null);
      if (saved && saved.model === origin.model) this.store.update({ layerId: saved.layer, factorisationId: saved.id });
    }
    await this.refreshFactorisations();
  }

  /** Selecting an edit layer shows what made it: its parts and appearance (strength stays 0: nothing is previewed). */
  private restoreEdit(origin: LayerOrigin): void {
    const edit = origin.edits[0];
    if (origin.kind !== "edit" || !edit || origin.factorisation !== this.state.factorisationId || this.state.parts.length === 0) return;
    this.store.update({ partIndex: edit.parts[0], partIndices: edit.parts, appearanceIndex: edit.appearance });
    this.reloadAppearances();
  }

  /** Removes the preview layer (a new image starts afresh; a stale preview would be saved with the document). */
  private async discardPreview(): Promise<void> {
    await this.preview.idle();
    const layer = this.preview.release();
    if (layer && (await this.host.hasLayer(layer))) await this.host.operation("Remove PandA preview", (task) => this.host.deleteLayer(task, layer));
  }
  /** Generates an image (from the seed field, or a new random seed) as a new layer named after the model and seed. */
  generate(options: { random?: boolean } = {}): Promise<void> {
    return this.run("Generating…", async () => {
      const { modelId, generate } = this.state;
      if (!modelId) throw new InputError("Choose a model first.");
      const seed = options.random ? randomSeed() : checkInteger("Seed", generate.seed, 0, MAX_SEED);
      const truncation = checkNumber("Truncation", generate.truncation, 0, 2);
      const result = await this.client.generate({ model: modelId, seed, truncation });
      // kept with the layer, so the document can be reopened and edited further
      const info = await this.client.imageInfo(result.id);
      const name = `${modelId} seed ${result.seed ?? seed}`;
      await this.preview.idle();
      const stalePreview = this.preview.release();
      // decided now, for this image and all that derives from it
      const placement = placeImage(result.image, await this.host.document(), this.state.placement);
      const origin: LayerOrigin = {
        version: ORIGIN_VERSION,
        kind: "image",
        model: modelId,
        seed: info.seed,
        latent: info.latent,
        truncation: info.truncation,
        title: name,
        width: result.image.width,
        height: result.image.height,
        placement,
        factorisation: null,
        edits: [],
      };
      this.serverImages.set(imageKey(origin), result.id);
      const layer = await this.host.operation(`Generate ${name}`, async (task) => {
        // the old image's preview would only confuse; the user may have deleted it already
        if (stalePreview && (await this.host.hasLayer(stalePreview))) await this.host.deleteLayer(task, stalePreview);
        return new PlacedLayers(this.host, placement).addLayer(task, name, result.image, undefined, encodeOrigin(origin));
      });
      this.store.update((s) => ({
        generate: { ...s.generate, seed: result.seed ?? seed },
        image: imageOf(result.id, origin, layer),
        layerNote: null,
        notice: added(name, placement.description),
      }));
      await this.loadParts();
    });
  }

  // ── factorisations ────────────────────────────────────────────────────────

  async refreshFactorisations(): Promise<void> {
    const { modelId, layerId } = this.state;
    if (!modelId) return this.store.update({ factorisations: [], factorisationId: null });
    try {
      let list = await this.client.factorisations({ model: modelId, layer: layerId ?? undefined });
      if (await this.moveLegacyPartSets(list)) list = await this.client.factorisations({ model: modelId, layer: layerId ?? undefined });
      const keep = list.some((f) => f.id === this.state.factorisationId);
      this.store.update({ factorisations: list, factorisationId: keep ? this.state.factorisationId : initialPartSet(list) });
    } catch (err) {
      this.fail(err);
    }
  }

  /** Names and chosen sets that an older panel kept in its settings go to the server, once; true when some did. */
  private async moveLegacyPartSets(list: PanelState["factorisations"]): Promise<boolean> {
    const legacy = this.options.settings.legacyPartSets();
    if (Object.keys(legacy.names).length === 0 && Object.keys(legacy.defaults).length === 0) return false;
    const { patches, left } = legacyPatches(legacy, list);
    for (const [id, patch] of patches) await this.client.updateNotes(id, patch);
    this.options.settings.rememberLegacyPartSets(left);
    return patches.length > 0;
  }

  /** Names the picked part set (an empty name brings back the automatic one); the server keeps it for every panel. */
  renamePartSet(name: string): Promise<void> {
    return this.run("Renaming…", async () => {
      await this.patchNotes({ name: name.trim() || null });
      this.store.update({ notice: name.trim() ? `Renamed the parts to "${name.trim()}".` : "The parts have their automatic name again." });
    });
  }

  /** The picked set becomes the one shown for this model and layer whenever a panel starts. */
  makeDefaultPartSet(): Promise<void> {
    return this.run("Choosing the parts…", async () => {
      await this.patchNotes({ default: true });
      await this.refreshFactorisations(); // the set chosen before is no longer
      this.store.update({ notice: "These parts are shown for this model and layer from now on." });
    });
  }

  /** Deletes the picked set on the second click (the first asks); shipped sets cannot be deleted. */
  deletePartSet(): Promise<void> {
    const id = this.state.factorisationId;
    if (!id) return Promise.resolve();
    if (this.state.confirmDelete !== id) {
      this.store.update({ confirmDelete: id, notice: "Click Delete again to delete these parts for good.", error: null });
      return Promise.resolve();
    }
    return this.run("Deleting parts…", async () => {
      this.store.update({ confirmDelete: null });
      await this.client.deleteFactorisation(id);
      this.store.update({ factorisationId: null });
      await this.refreshFactorisations();
      await this.loadParts();
      this.store.update({ notice: "Deleted the parts." });
    });
  }

  /** A label of the user's for a part of the picked set (empty: none). */
  labelPart(index: number, label: string): Promise<void> {
    return this.run("Labelling…", () => this.patchNotes({ parts: { [String(index)]: label.trim() || null } }));
  }

  /** A label of the user's for an appearance of the picked set (empty: none). */
  labelAppearance(index: number, label: string): Promise<void> {
    return this.run("Labelling…", () => this.patchNotes({ appearances: { [String(index)]: label.trim() || null } }));
  }

  /** Marks an appearance of the picked set as a favourite, or unmarks it; favourites are shown first. */
  toggleFavourite(index: number): Promise<void> {
    return this.run("Saving favourites…", async () => {
      const favourite = notesOf(this.state.factorisations, this.state.factorisationId).favourites.includes(index);
      await this.patchNotes({ favourites: favourite ? { remove: [index] } : { add: [index] } });
      await this.loadFavourites(this.appearanceGeneration);
    });
  }

  /** Sends a change of the picked set's notes and shows the set as the server now has it. */
  private async patchNotes(patch: NotesPatchRequest): Promise<void> {
    const id = this.state.factorisationId;
    if (!id) throw new InputError("Pick saved parts first.");
    const summary = await this.client.updateNotes(id, patch);
    this.store.update((s) => ({ factorisations: s.factorisations.map((f) => (f.id === id ? summary : f)) }));
  }

  async selectFactorisation(id: string): Promise<void> {
    this.store.update({ factorisationId: id });
    await this.run("Loading parts…", () => this.loadParts());
  }

  /** Fits a new factorisation as a server job, following its progress until it ends. */
  discoverParts(): Promise<void> {
    return this.run("Discovering parts…", async () => {
      const { modelId, layerId, discover, models } = this.state;
      const layer = models.find((m) => m.id === modelId)?.layers.find((l) => l.id === layerId);
      if (!modelId || !layer) throw new InputError("Choose a model and a layer first.");
      const run = await this.client.startFactorisation({
        model: modelId,
        layer: layer.id,
        // the limits of this layer: parts are spatial factors (at most H·W, and 64 the server's cap), appearances channel factors
        parts: checkInteger("Parts", discover.parts, 1, Math.min(MAX_PARTS, layer.height * layer.width)),
        appearances: checkInteger("Appearances", discover.appearances ?? layer.channels, 1, layer.channels),
        samples: checkInteger("Samples", discover.samples, 1, 100000),
        solver: discover.solver,
        seed: checkInteger("Discovery seed", discover.seed, 0, MAX_SEED),
      });
      this.store.update({ job: { id: run.jobId, fraction: 0, determinate: false, message: "Queued", cancelling: false } });
      try {
        for await (const event of run.events) {
          if (event.type === "progress") this.store.update((s) => ({ job: s.job && { ...s.job, ...progressView(event) } }));
          else if (event.type === "failed") throw new ClientError("server", `Discovering parts failed: ${event.message}`);
          else if (event.type === "cancelled") return this.store.update({ notice: "Discovering parts was cancelled." });
          else {
            await this.refreshFactorisations();
            this.store.update({ factorisationId: event.factorisationId, notice: `Found ${discover.parts} parts, saved as "${event.factorisationId}".` });
            await this.loadParts();
          }
        }
      } finally {
        this.store.update({ job: null });
      }
    });
  }

  async cancelJob(): Promise<void> {
    const job = this.state.job;
    if (!job) return;
    this.store.update({ job: { ...job, cancelling: true, message: "Cancelling…" } });
    try {
      await this.client.cancelJob(job.id);
    } catch (err) {
      this.fail(err);
    }
  }

  // ── parts ─────────────────────────────────────────────────────────────────

  /** Loads the part and appearance thumbnails of the current image and factorisation. */
  private async loadParts(): Promise<void> {
    const generation = ++this.partsGeneration;
    const { image, factorisationId, modelId } = this.state;
    // a part or appearance means the same in every image of the factorisation: picks survive a change of image
    const keepPicks = factorisationId !== null && factorisationId === this.shownFactorisation;
    this.shownFactorisation = null;
    this.appearanceGeneration++;
    this.store.update((s) => ({
      parts: [],
      appearances: [],
      favourites: [],
      appearanceCount: 0,
      appearanceScales: keepPicks ? s.appearanceScales : [],
      strength: 0,
      ...(keepPicks ? {} : { partIndex: null, partIndices: [], appearanceIndex: null }),
    }));
    // an image of another model has none of these parts: the parts view says to generate one
    if (!image || !factorisationId || image.model !== modelId) return;
    const factorisation = await this.client.factorisation(factorisationId);
    if (factorisation.model !== image.model) {
      throw new InputError(`The parts "${factorisation.id}" are of model ${factorisation.model}, the image of ${image.model}: generate an image with that model, or discover parts for this one.`);
    }
    // the global parts: quick to show, and what a part means in every image (its mask is then refined for this one)
    const thumbnails = await this.client.partThumbnails(image.id, factorisationId);
    if (generation !== this.partsGeneration) return;
    this.store.update({
      parts: thumbnails.parts.map((p) => ({ index: p.index, coverage: p.coverage, thumbnail: `data:image/png;base64,${p.png}` })),
      appearanceCount: factorisation.ranks.appearances,
      appearanceScales: factorisation.strengthScales,
    });
    this.shownFactorisation = factorisationId;
    await this.loadAppearances();
  }

  /** After the model or layer changed: the old parts no longer apply to what is picked. */
  private async reloadParts(): Promise<void> {
    if (this.state.image && (this.state.parts.length > 0 || this.state.factorisationId)) await this.run("Loading parts…", () => this.loadParts());
  }

  /** Shows the next few appearances. */
  showMoreAppearances(): Promise<void> {
    return this.run("Loading appearances…", () => this.loadAppearances());
  }

  /** Best for the picked parts first, or by number. */
  setAppearanceOrder(order: AppearanceOrder): void {
    if (order === this.state.appearanceOrder) return;
    this.store.update({ appearanceOrder: order });
    this.reloadAppearances();
  }

  /** The appearance whose preview is shown large (null: none). */
  hoverAppearance(index: number | null): void {
    if (index !== this.state.hoverAppearance) this.store.update({ hoverAppearance: index });
  }

  /** Resolves once the appearances being loaded in the background are shown (tests wait on it). */
  async appearancesIdle(): Promise<void> {
    let load: Promise<void>;
    do {
      load = this.appearanceLoad;
      await load;
    } while (load !== this.appearanceLoad);
  }

  /** Starts the appearances again (the parts or the order changed), loading in the background. */
  private reloadAppearances(): void {
    this.appearanceGeneration++;
    this.store.update({ appearances: [], favourites: [], hoverAppearance: null });
    if (this.state.parts.length === 0) return;
    this.appearanceLoad = this.loadAppearances().catch((err) => this.fail(err));
  }

  /**
   * The next page of appearances: with parts picked, the appearance browser (ranked for them, or
   * by number) with previews of each edit; without, saliency heat maps by number.
   */
  private async loadAppearances(): Promise<void> {
    const generation = this.appearanceGeneration;
    const { image, factorisationId, appearances, appearanceCount, partIndices, appearanceOrder, previewStrength } = this.state;
    if (!image || !factorisationId) return;
    const from = appearances.length;
    const to = Math.min(appearanceCount, from + Math.min(MAX_PREVIEWS, this.options.appearanceThumbnails ?? 12));
    if (to <= from) return;
    if (partIndices.length > 0) {
      const base = { factorisation: factorisationId, parts: partIndices, strength: previewStrength, refine: REFINED_PARTS };
      const numbers = Array.from({ length: to - from }, (_, i) => from + i);
      const page = await this.client.appearanceBrowser(image.id, appearanceOrder === "best" ? { ...base, offset: from, limit: to - from } : { ...base, appearances: numbers });
      if (generation !== this.appearanceGeneration) return;
      this.store.update((s) => ({ appearances: [...s.appearances, ...page.appearances.map(previewView)] }));
      if (from === 0) await this.loadFavourites(generation);
      return;
    }
    const added = Array.from({ length: to - from }, (_, i) => ({ index: from + i, thumbnail: null, rank: null, change: null }));
    this.store.update((s) => ({ appearances: [...s.appearances, ...added] }));
    // one at a time: the machine is small, and the first thumbnails appear sooner
    for (let index = from; index < to; index++) {
      const thumbnail = pngDataUrl(colourise(await this.client.saliencyHeat(image.id, { factorisation: factorisationId, appearance: index })));
      if (generation !== this.appearanceGeneration) return;
      this.store.update((s) => ({ appearances: s.appearances.map((a) => (a.index === index ? { ...a, thumbnail } : a)) }));
    }
  }

  /** Previews of the user's favourite appearances for the picked parts (none without parts). */
  private async loadFavourites(generation: number): Promise<void> {
    const { image, factorisationId, partIndices, previewStrength, factorisations } = this.state;
    const favourites = notesOf(factorisations, factorisationId).favourites.slice(0, MAX_PREVIEWS);
    if (!image || !factorisationId || partIndices.length === 0 || favourites.length === 0) return this.store.update({ favourites: [] });
    const page = await this.client.appearanceBrowser(image.id, { factorisation: factorisationId, parts: partIndices, strength: previewStrength, appearances: favourites, refine: REFINED_PARTS });
    if (generation === this.appearanceGeneration) this.store.update({ favourites: page.appearances.map(previewView) });
  }

  /** Picks a part; a preview that is showing follows it (a click never brings a removed preview back). */
  selectPart(index: number, options: { add?: boolean } = {}): void {
    const current = this.state.partIndices;
    // adding toggles: a second Shift+click on a picked part takes it out again
    const partIndices = !options.add ? [index] : current.includes(index) ? current.filter((i) => i !== index) : [...current, index];
    this.store.update({ partIndices, partIndex: partIndices[0] ?? null });
    this.prepareLocalPreview(); // an edit is coming: the page fetches what it renders previews from
    this.prefetchPartMask();
    if (this.state.appearanceIndex !== null && this.state.strength !== 0 && this.preview.showing) this.preview.push(this.state.strength);
    this.reloadAppearances(); // ranked for the parts now picked
  }

  partToSelection(): Promise<void> {
    return this.run("Selecting part…", async () => {
      const { image, mask, label } = await this.currentPartMask();
      await this.host.operation(`Select ${label}`, (task) => placed(this.host, image).setSelection(task, mask));
      this.store.update({ notice: `Selected ${label}.` });
    });
  }

  partToLayerMask(): Promise<void> {
    return this.run("Masking layer…", async () => {
      const { image, mask, label } = await this.currentPartMask();
      await this.host.operation(`Mask to ${label}`, (task) => placed(this.host, image).setLayerMask(task, image.layer, mask));
      this.store.update({ notice: `Masked layer "${image.layer.name}" to ${label}.` });
    });
  }

  removePart(): Promise<void> {
    return this.run("Removing part…", async () => {
      const { image, factorisationId, parts } = this.requirePart();
      const pixels = await this.client.removal(image.id, { factorisation: factorisationId, parts, method: "feature" });
      const name = `${image.origin.title} without ${partsLabel(parts)}`;
      const data = derivedOrigin(image, "removal", factorisationId, []);
      await this.host.operation(`Remove ${partsLabel(parts)}`, (task) => placed(this.host, image).addLayer(task, name, pixels, undefined, data));
      this.store.update({ notice: added(name, image.placement.description) });
    });
  }

  // ── appearances ───────────────────────────────────────────────────────────

  /** Picks an appearance, keeping the strength: it is in the appearance's own units, so it means as much for the new one. */
  selectAppearance(index: number): void {
    this.store.update({ appearanceIndex: index });
    this.prepareLocalPreview();
    const strength = this.state.strength;
    // a showing preview follows the new appearance (a click never brings a removed preview back)
    if (strength !== 0 && this.state.partIndex !== null && this.preview.showing) this.preview.push(strength);
  }

  /** Called on every slider movement: the strength follows the handle (a tenth as fast while Shift is held). */
  slideStrength(raw: number): void {
    const fine = this.fineHeld;
    this.setStrength(this.strengthDrag.next(raw, fine, this.state.strength), { fine });
  }

  /**
   * Whether Shift is held over the slider (from its pointer and key events), and the pointer going
   * down or up: a release ends the drag and brings the full-quality preview of where it ended.
   */
  noteSliderModifier(shift: boolean, pointer?: "down" | "up"): void {
    this.fineHeld = shift;
    if (pointer === "down") this.sliderHeld = true;
    if (pointer === "up") this.settleStrength();
  }

  /** The slider let go (pointer up, or its change event): the preview shows the strength at full quality. */
  settleStrength(): void {
    this.sliderHeld = false;
    this.strengthDrag.end();
    this.preview.settle();
  }

  /** Sets the strength (clamped to the range, rounded to the slider's step or, fine, a tenth of it); the preview layer follows, one request at a time. */
  setStrength(value: number, options: { fine?: boolean } = {}): void {
    const limit = this.state.strengthLimit;
    const strength = roundStrength(Math.max(-limit, Math.min(limit, value)), limit, options.fine);
    if (strength === this.state.strength) return;
    this.store.update({ strength });
    if (this.state.partIndex !== null && this.state.appearanceIndex !== null && this.state.image) this.preview.push(strength, { moving: this.sliderHeld });
  }

  /** A strength typed into its field: a number within the slider's range, or a message naming the range. */
  typeStrength(text: string): void {
    const limit = this.state.strengthLimit;
    const value = text.trim() === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || Math.abs(value) > limit) return this.store.update({ error: `Strength must be a number from ${-limit} to ${limit} (1 is a clear change).`, notice: null });
    if (this.state.error?.startsWith("Strength must be")) this.store.update({ error: null });
    this.setStrength(value);
  }

  /** Renders the live preview in this page (where the model allows) or always through the server; remembered. */
  setPagePreview(enabled: boolean): void {
    if (!this.state.pagePreview) return;
    this.store.update({ pagePreview: { enabled, status: null } });
    this.rememberPreferences();
    this.localPreview?.dispose();
    this.localPreview = this.makeLocalPreview();
    this.prepareLocalPreview();
  }

  /** Resolves once the preview shows the latest strength (tests and the bench wait on it). */
  previewIdle(): Promise<void> {
    return this.preview.idle();
  }

  /** Adds the edit as a new layer masked to the part, replacing the preview. */
  applyEdit(): Promise<void> {
    return this.run("Applying…", async () => {
      const { image, parts, appearanceIndex, strength } = this.requireEdit();
      await this.preview.idle();
      const pixels = await this.editPixels(strength);
      const { mask } = await this.currentPartMask();
      const name = `${image.origin.title} · ${partsLabel(parts)} · appearance ${appearanceIndex} ${strength >= 0 ? "+" : ""}${strength}`;
      const data = derivedOrigin(image, "edit", this.state.factorisationId!, [{ parts, appearance: appearanceIndex, strength }]);
      const preview = this.preview.release();
      await this.host.operation(`Apply ${name}`, async (task) => {
        if (preview && (await this.host.hasLayer(preview))) await this.host.deleteLayer(task, preview);
        return placed(this.host, image).addLayer(task, name, pixels, mask, data);
      });
      // applied: the preview is gone, and a later part or appearance click must not bring it back
      this.store.update({ strength: 0, notice: added(name, image.placement.description) });
    });
  }

  /**
   * Adds the saliency of the selected appearance as a heat-map overlay layer (saliency-overlay.ts):
   * the heat through the colour map (or gray) as pixels, its mask clear where the concept is absent
   * and more opaque where it is stronger.
   */
  saliencyLayer(): Promise<void> {
    return this.run("Computing saliency…", async () => {
      const { image, factorisationId } = this.requireImage();
      const appearance = this.state.appearanceIndex;
      if (appearance === null) throw new InputError("Pick an appearance first.");
      const request = { factorisation: factorisationId, appearance };
      const heat = await this.client.saliencyHeatMap(image.id, request);
      const mask = await this.client.saliencyMask(image.id, request);
      const colour = this.state.saliencyOutput === "colour";
      const { pixels, mask: opacity } = saliencyOverlay(heat, mask, colour ? INFERNO : null);
      const name = `${image.origin.title} · ${colour ? "heat map" : "saliency"} of appearance ${appearance}`;
      const data = derivedOrigin(image, "saliency", factorisationId, []);
      await this.host.operation(`Saliency of appearance ${appearance}`, (task) => placed(this.host, image).addLayer(task, name, pixels, opacity, data));
      this.store.update({ notice: added(name, image.placement.description) });
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────

  private async previewFrame(strength: number, draft: boolean): Promise<PreviewFrame> {
    const { image, factorisationId } = this.requireEdit();
    // in the page where it can, else (not loaded yet, not allowed, failed) through the server
    const local = (await this.localPreview?.render({ id: image.id, model: image.model }, this.editRequest(strength, draft), draft)) ?? null;
    const pixels = local ?? (await this.editPixels(strength, draft));
    return {
      pixels,
      source: local ? "page" : "server",
      draft: pixels.draft === true,
      maskKey: this.maskKey(),
      mask: async () => (await this.currentPartMask()).mask,
      layers: placed(this.host, image),
      data: derivedOrigin(image, "preview", factorisationId, []),
    };
  }

  /** `draft`: the server's cheaper draft where the model has one (the live preview's first frame). */
  private editPixels(strength: number, draft = false): Promise<PixelImage & { draft?: boolean }> {
    return this.client.edit(this.requireImage().image.id, this.editRequest(strength, draft));
  }

  private editRequest(strength: number, draft: boolean): EditRequest {
    const { factorisationId, parts, appearanceIndex } = this.requireEdit();
    return { factorisation: factorisationId, edits: [{ parts, appearance: appearanceIndex, strength }], refine: REFINED_PARTS, ...(draft ? { quality: "draft" as const } : {}) };
  }

  private makeLocalPreview(): LocalPreview | null {
    const { createLocalPreview } = this.options;
    if (!createLocalPreview || !this.state.pagePreview?.enabled) return null;
    const limitBytes = this.options.settings.preferences().pagePreviewLimitMB * 1e6;
    const made: LocalPreview | null = createLocalPreview(this.client, {
      limitBytes,
      // a replaced source's late news is dropped
      onStatus: (status) => this.localPreview === made && this.store.update((s) => (s.pagePreview ? { pagePreview: { ...s.pagePreview, status } } : {})),
    });
    return made;
  }

  /** Starts loading what the page needs to render this image's previews itself (features, factors, refined parts, tail). */
  private prepareLocalPreview(): void {
    const { image, factorisationId } = this.state;
    if (this.localPreview && image && factorisationId) this.localPreview.prepare({ id: image.id, model: image.model }, factorisationId, { refine: REFINED_PARTS });
  }

  private async currentPartMask(): Promise<{ image: CurrentImage; mask: GrayImage; label: string }> {
    const { image, factorisationId, parts } = this.requirePart();
    const key = this.maskKey();
    let mask = this.masks.get(key);
    if (!mask) {
      const fetched = this.client.partMask(image.id, { factorisation: factorisationId, parts, kind: this.state.maskKind, refine: REFINED_PARTS });
      fetched.catch(() => this.masks.get(key) === fetched && this.masks.delete(key));
      this.masks.set(key, (mask = fetched));
    }
    return { image, mask: await mask, label: partsLabel(parts) };
  }

  /**
   * Starts fetching the picked parts' mask: the live preview's first frame needs it (the preview
   * layer is masked to the part), and refining the parts for this image takes the server a while,
   * so it is asked for when the part is picked, not when the first drag frame arrives.
   */
  private prefetchPartMask(): void {
    if (this.state.image && this.state.factorisationId && this.state.partIndices.length > 0) this.currentPartMask().catch(() => {}); // a failure shows when the mask is used
  }

  /** Identifies the mask of the picked parts on the current image (masks are fetched once each). */
  private maskKey(): string {
    const { image, factorisationId, partIndices, maskKind } = this.state;
    return `${image?.id}/${factorisationId}/${partIndices.join("+")}/${maskKind}`;
  }

  private requireImage(): { image: CurrentImage; factorisationId: string } {
    const { image, factorisationId } = this.state;
    if (!image) throw new InputError(this.state.layerNote ?? "Select a layer PandA generated, or generate an image: parts and edits apply to the selected layer.");
    if (!factorisationId) throw new InputError("Discover parts first, or pick saved parts.");
    return { image, factorisationId };
  }

  private requirePart(): { image: CurrentImage; factorisationId: string; parts: number[] } {
    const parts = this.state.partIndices;
    const found = this.requireImage();
    if (parts.length === 0) throw new InputError("Pick a part first.");
    return { ...found, parts };
  }

  private requireEdit(): { image: CurrentImage; factorisationId: string; parts: number[]; appearanceIndex: number; strength: number } {
    const appearanceIndex = this.state.appearanceIndex;
    const found = this.requirePart();
    if (appearanceIndex === null) throw new InputError("Pick an appearance first.");
    return { ...found, appearanceIndex, strength: this.state.strength };
  }

  /** Runs one user action: shows it as busy, and turns any failure into a message. */
  private async run(label: string, action: () => Promise<void>): Promise<void> {
    await this.syncActiveLayer(); // the action works on the layer selected now
    this.acting = true;
    this.store.update({ busy: label, error: null, notice: null });
    try {
      try {
        await action();
      } catch (err) {
        if (!(err instanceof ClientError && err.code === "UNKNOWN_IMAGE" && this.state.image)) throw err;
        // the server dropped the image (it keeps the latest 64): generate it again from its latent, once
        this.serverImages.delete(imageKey(this.state.image.origin));
        const image = this.state.image;
        this.store.update({ image: { ...image, id: await this.serverImageFor(image.origin) } });
        await action();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.acting = false;
      this.store.update({ busy: null });
    }
    await this.refreshDocument(); // an action may have opened one, or added a layer that is now active
  }

  /** Saves the remembered choices; a seed field being typed into keeps the last valid seed. */
  private rememberPreferences(): void {
    const { placement, discover, saliencyOutput, pagePreview } = this.state;
    const saved = this.options.settings.preferences();
    const discoverSeed = Number.isInteger(discover.seed) && discover.seed >= 0 && discover.seed <= MAX_SEED ? discover.seed : saved.discoverSeed;
    this.options.settings.rememberPreferences({ placement, discoverSeed, saliencyOutput, pagePreview: pagePreview?.enabled ?? saved.pagePreview, pagePreviewLimitMB: saved.pagePreviewLimitMB });
  }

  private fail(err: unknown): void {
    if (isAbort(err)) return;
    const offline = err instanceof ClientError && err.kind === "unreachable";
    const message = err instanceof Error ? err.message : String(err);
    this.store.update((s) => ({ error: message, notice: null, connection: offline ? { ...s.connection, status: "offline", health: null } : s.connection }));
  }
}

/** An appearance of the browser as the panel shows it. */
function previewView(a: AppearanceBrowser["appearances"][number]): AppearanceView {
  return { index: a.appearance, thumbnail: `data:image/png;base64,${a.preview.png}`, rank: a.rank, change: a.preview.change };
}

/** "part 3", or "parts 1 + 3" for several. */
function partsLabel(parts: readonly number[]): string {
  return parts.length === 1 ? `part ${parts[0]}` : `parts ${parts.join(" + ")}`;
}

function imageOf(id: string, origin: LayerOrigin, layer: LayerRef): CurrentImage {
  return { id, model: origin.model, seed: origin.seed, width: origin.width, height: origin.height, layer, placement: origin.placement, origin };
}

/** The data of a layer made from the image: its origin, with what made the layer. */
function derivedOrigin(image: CurrentImage, kind: LayerKind, factorisation: string, edits: LayerOrigin["edits"]): string {
  return encodeOrigin({ ...image.origin, kind, factorisation, edits });
}

/** The host's calls with the placement of the image they derive from. */
function placed(host: Host, image: CurrentImage): PlacedLayers {
  return new PlacedLayers(host, image.placement);
}

/** The success message of a new layer, saying where it went when the document's size differs. */
function added(name: string, placement: string | null): string {
  return placement ? `Added layer "${name}", ${placement}.` : `Added layer "${name}".`;
}
