/**
 * What the user sees when things go wrong in Photoshop, and that a failed or cancelled operation
 * leaves the document as it was (no half-made layers, no stray new document, no undo step).
 */
import type { HostTask, PixelImage } from "../../plugin/src/hosts/host";
import { PHOTOSHOP_ERRORS, PhotoshopHostError } from "../../plugin/src/hosts/photoshop/errors";
import { PhotoshopHost } from "../../plugin/src/hosts/photoshop/photoshop-host";
import { FakePhotoshop } from "../mocks/photoshop";

const solid = (width: number, height: number): PixelImage => ({ width, height, rgba: new Uint8Array(width * height * 4).fill(200) });
const full = (width: number, height: number) => ({ width, height, gray: new Uint8Array(width * height).fill(255) });

/** What fetch throws in UXP when nothing listens at the server's address. */
const serverDown = () => new TypeError("Network request failed");

let ps: FakePhotoshop;
let host: PhotoshopHost;

beforeEach(() => {
  ps = new FakePhotoshop();
  host = new PhotoshopHost(ps.api);
});

afterEach(() => {
  expect(ps.liveImageData.size).toBe(0);
});

async function failure(promise: Promise<unknown>): Promise<PhotoshopHostError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PhotoshopHostError);
  return error as PhotoshopHostError;
}

describe("no document open", () => {
  test.each<[string, (task: HostTask) => Promise<unknown>]>([
    ["a selection", (task: HostTask) => host.setSelection(task, full(4, 4))],
    ["a layer mask", (task: HostTask) => host.setLayerMask(task, { id: "1", name: "Face" }, full(4, 4))],
    ["a preview update", (task: HostTask) => host.updateLayer(task, { id: "1", name: "Face" }, solid(4, 4))],
    ["reading a layer", (task: HostTask) => host.readLayer(task)],
  ])("%s says so, plainly", async (_what, work) => {
    const error = await failure(host.operation("Part", work));
    expect(error.code).toBe("NO_DOCUMENT");
    expect(error.message).toBe(PHOTOSHOP_ERRORS.NO_DOCUMENT);
    expect(ps.documents).toHaveLength(0);
  });
});

test("another plugin in a modal state (error 9): a clear message, and the work never starts", async () => {
  ps.otherPluginModal = true;
  const work = jest.fn(async () => undefined);
  const error = await failure(host.operation("Generate face", work));
  expect(error.code).toBe("MODAL_BUSY");
  expect(error.message).toMatch(/busy with another plugin or dialog/);
  expect(work).not.toHaveBeenCalled();
});

describe("the companion server is down", () => {
  test("the client's error reaches the panel unchanged; the new document is closed again", async () => {
    const down = serverDown();
    const outcome = host.operation("Generate face", async (task) => {
      await host.addLayer(task, { name: "Face", pixels: solid(8, 8) });
      throw down;
    });
    await expect(outcome).rejects.toBe(down);
    expect(ps.documents).toHaveLength(0);
  });

  test("in an open document, the half-done operation is rolled back and leaves no undo step", async () => {
    const doc = ps.openDocument("Portrait", 8, 8);
    const outcome = host.operation("Bigger eyes", async (task) => {
      await host.addLayer(task, { name: "Preview", pixels: solid(8, 8) });
      throw serverDown();
    });
    await expect(outcome).rejects.toThrow("Network request failed");
    expect(doc.layers.map((l) => l.name)).toEqual(["Background"]);
    expect(doc.history).toEqual([]);
    expect(ps.calls.find((c) => c.api === "resumeHistory")!.args).toMatchObject({ commit: false });
  });
});

describe("cancel (Esc or the progress bar's Cancel)", () => {
  test("before a change: the change is refused and the operation reports Cancelled", async () => {
    const doc = ps.openDocument("Portrait", 8, 8);
    const outcome = host.operation("Generate face", async (task) => {
      ps.cancel();
      expect(task.isCancelled()).toBe(true);
      await host.addLayer(task, { name: "Face", pixels: solid(8, 8) });
    });
    const error = await failure(outcome);
    expect(error.code).toBe("CANCELLED");
    expect(doc.layers.map((l) => l.name)).toEqual(["Background"]);
  });

  test("after changes: they are undone, and a document made by the operation is closed", async () => {
    const outcome = host.operation("Generate face", async (task) => {
      await host.addLayer(task, { name: "Face", pixels: solid(8, 8) });
      ps.cancel();
    });
    expect((await failure(outcome)).code).toBe("CANCELLED");
    expect(ps.documents).toHaveLength(0);
  });

  test("while waiting for the server: the panel's own work sees it and stops", async () => {
    ps.openDocument("Portrait", 8, 8);
    let polls = 0;
    const outcome = host.operation("Fit parts", async (task) => {
      while (!task.isCancelled()) {
        polls++;
        if (polls === 3) ps.cancel();
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error("job cancelled by the panel");
    });
    expect((await failure(outcome)).code).toBe("CANCELLED");
    expect(polls).toBe(3);
  });
});

test("a layer the user deleted meanwhile", async () => {
  ps.openDocument("Portrait", 8, 8);
  const ref = await host.operation("Preview", (task) => host.addLayer(task, { name: "Preview", pixels: solid(8, 8) }));
  ps.documents[0].layers.pop();
  const error = await failure(host.operation("Preview", (task) => host.updateLayer(task, ref, solid(8, 8))));
  expect(error.code).toBe("LAYER_NOT_FOUND");
  expect(error.message).toContain('"Preview"');
});

test("pixels that do not match their stated size are refused before Photoshop sees them", async () => {
  ps.openDocument("Portrait", 8, 8);
  const error = await failure(
    host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: { width: 8, height: 8, rgba: new Uint8Array(10) } })),
  );
  expect(error.code).toBe("BAD_IMAGE");
  expect(ps.apis("createImageDataFromBuffer")).toEqual([]);
});

test("a placement without whole pixels is refused", async () => {
  ps.openDocument("Portrait", 8, 8);
  const error = await failure(
    host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: solid(8, 8), placement: { width: 0.5 } })),
  );
  expect(error.code).toBe("BAD_PLACEMENT");
});

test("host methods refuse a task that is not from host.operation()", async () => {
  ps.openDocument("Portrait", 8, 8);
  const stray: HostTask = { reportProgress: () => undefined, isCancelled: () => false };
  expect((await failure(host.addLayer(stray, { name: "Face", pixels: solid(8, 8) }))).code).toBe("OUTSIDE_OPERATION");
});

test("image data is disposed even when Photoshop rejects the put", async () => {
  ps.openDocument("Portrait", 8, 8);
  ps.imaging.putSelection = async () => {
    throw new Error("putSelection failed");
  };
  await expect(host.operation("Select part", (task) => host.setSelection(task, full(8, 8)))).rejects.toThrow("putSelection failed");
  expect(ps.apis("createImageDataFromBuffer", "dispose")).toEqual(["createImageDataFromBuffer", "dispose"]);
});
