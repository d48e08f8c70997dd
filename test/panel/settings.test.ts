import { DEFAULT_PREFERENCES, Settings, normaliseServerUrl, normaliseToken, KeyValueStorage } from "../../plugin/src/model/settings";
import { MemoryStorage } from "./memory-storage";

test("the server address falls back to the default until one is remembered", () => {
  const storage = new MemoryStorage();
  expect(new Settings(storage).serverUrl("http://127.0.0.1:8710")).toBe("http://127.0.0.1:8710");
  new Settings(storage).rememberServerUrl("http://10.0.0.2:9000");
  expect(new Settings(storage).serverUrl("http://127.0.0.1:8710")).toBe("http://10.0.0.2:9000");
});

test("a failing or missing storage means nothing is remembered, without errors", () => {
  const broken: KeyValueStorage = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("quota"); } };
  expect(() => new Settings(broken).rememberServerUrl("http://x:1")).not.toThrow();
  expect(new Settings(broken).serverUrl("http://d:2")).toBe("http://d:2");
  expect(new Settings(null).serverUrl("http://d:2")).toBe("http://d:2");
});

test("addresses are normalised, and nonsense is refused with an example", () => {
  expect(normaliseServerUrl(" 127.0.0.1:8710/ ")).toBe("http://127.0.0.1:8710");
  expect(normaliseServerUrl("https://gpu-box:8443/api")).toBe("https://gpu-box:8443");
  expect(() => normaliseServerUrl("ftp://x")).toThrow(/http/);
  expect(() => normaliseServerUrl("http://")).toThrow(/http:\/\/127\.0\.0\.1:8710/);
  expect(() => normaliseServerUrl("127.0.0.1:8710 and more")).toThrow(/not a server address/);
  expect(normaliseServerUrl("LOCALHOST:8710")).toBe("http://localhost:8710");
  expect(normaliseServerUrl("http://[::1]:8710/x")).toBe("http://[::1]:8710");
});

test("the panel's choices are remembered; missing or invalid ones fall back to their defaults", () => {
  const storage = new MemoryStorage();
  expect(new Settings(storage).preferences()).toEqual(DEFAULT_PREFERENCES);
  expect(DEFAULT_PREFERENCES).toEqual({ placement: { mode: "image", resample: "bicubic" }, discoverSeed: 0, saliencyOutput: "colour", pagePreview: true, pagePreviewLimitMB: 64 });
  const chosen = { placement: { mode: "fit" as const, resample: "bilinear" as const }, discoverSeed: 12, saliencyOutput: "gray" as const, pagePreview: false, pagePreviewLimitMB: 2.5 };
  new Settings(storage).rememberPreferences(chosen);
  expect(new Settings(storage).preferences()).toEqual(chosen);
  storage.setItem("panda-studio.preferences", JSON.stringify({ placement: { mode: "stretch", resample: "lanczos" }, discoverSeed: -1, saliencyOutput: 3, pagePreview: "yes", pagePreviewLimitMB: -1 }));
  expect(new Settings(storage).preferences()).toEqual(DEFAULT_PREFERENCES);
  storage.setItem("panda-studio.preferences", "{not json");
  expect(new Settings(storage).preferences()).toEqual(DEFAULT_PREFERENCES);
});

test("the LAN-mode token is remembered; typed text is trimmed, a pasted 'Bearer ' dropped, and empty means none", () => {
  const storage = new MemoryStorage();
  expect(new Settings(storage).token()).toBeNull();
  new Settings(storage).rememberToken("abc_DEF-123");
  expect(new Settings(storage).token()).toBe("abc_DEF-123");
  new Settings(storage).rememberToken(null);
  expect(new Settings(storage).token()).toBeNull();
  expect(normaliseToken("  Bearer abc_DEF-123 ")).toBe("abc_DEF-123");
  expect(normaliseToken("   ")).toBeNull();
  expect(() => normaliseToken("abc def")).toThrow(/the token is the line of letters, digits, - and _ the server printed/);
});
