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

/** The two-image start of the active-layer journeys: seed 1, its parts (4, from 64 samples), then seed 2 (left active). */
export async function generateTwoImages(model: PanelModel): Promise<void> {
  model.setDiscover({ parts: 4, samples: 64 });
  model.setGenerate({ seed: 1 });
  await model.generate();
  await model.discoverParts();
  model.setGenerate({ seed: 2 });
  await model.generate();
  if (model.state.error) throw new Error(`setting up two images failed: ${model.state.error}`);
}
