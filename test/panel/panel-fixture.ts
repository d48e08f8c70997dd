/** A PanelModel over a mock host and the real HTTP client, recording what it sends and each preview shown. */
import WebSocket from "ws";
import { HttpPandaClient } from "../../plugin/src/client/http-client";
import type { WebSocketFactory } from "../../plugin/src/client/job-events";
import { PanelModel } from "../../plugin/src/model/panel-model";
import { Settings } from "../../plugin/src/model/settings";
import { MockHost } from "./mock-host";
import { MemoryStorage } from "./memory-storage";

export const webSocket = WebSocket as unknown as WebSocketFactory;

/** The JSON bodies the panel sent, by path. */
export type SentRequests = { path: string; body: unknown }[];

export function panel(serverUrl: string, host = new MockHost(), storage = new MemoryStorage()) {
  const shown: number[] = [];
  const sent: SentRequests = [];
  const recordingFetch = (url: string, init: RequestInit) => {
    if (typeof init.body === "string") sent.push({ path: new URL(url).pathname, body: JSON.parse(init.body) });
    return fetch(url, init);
  };
  const model = new PanelModel({
    host,
    createClient: (url) => new HttpPandaClient(url, { webSocket, fetch: recordingFetch }),
    settings: new Settings(storage),
    defaultServerUrl: serverUrl,
    appearanceThumbnails: 4,
    onPreviewShown: (strength) => shown.push(strength),
  });
  return { model, host, shown, sent, storage };
}
