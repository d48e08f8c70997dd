/** The panel's own layout; colours and type come from the Spectrum theme's custom properties. */
export const PANEL_CSS = `
.panda-root, .panda-theme { display: block; height: 100%; }
.panda-panel { display: flex; flex-direction: column; height: 100%; box-sizing: border-box; min-width: 240px;
  font-family: var(--spectrum-global-font-family-base, sans-serif); font-size: 13px; color: var(--spectrum-global-color-gray-800); }
.panda-scroll { flex: 1; min-height: 0; overflow-y: auto; display: flex; flex-direction: column; gap: 10px; padding: 10px; }
.panda-panel section { display: flex; flex-direction: column; gap: 6px; }
.panda-panel h2 { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.06em; margin: 0;
  color: var(--spectrum-global-color-gray-700); }
.panda-panel .row { display: flex; gap: 6px; align-items: flex-end; flex-wrap: wrap; }
/* a minimum width, so that in a narrow dock a crowded row wraps instead of truncating every field */
.panda-panel .row > .field { flex: 1 1 0; min-width: 56px; display: flex; flex-direction: column; }
.panda-panel .row > .field.wide { flex-grow: 2; }
.panda-panel .field sp-textfield, .panda-panel .field sp-picker { width: 100%; min-width: 0; }
.panda-panel .status { display: flex; align-items: center; gap: 6px; }
.panda-panel .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--spectrum-global-color-gray-500); flex: none; }
.panda-panel .dot.connected { background: var(--spectrum-global-color-green-500, #2d9d78); }
.panda-panel .dot.offline { background: var(--spectrum-global-color-red-500, #e34850); }
.panda-panel .thumbs { display: flex; flex-wrap: wrap; gap: 4px; }
.panda-panel .thumb { width: 48px; height: 48px; box-sizing: border-box; border: 2px solid transparent; border-radius: 4px;
  background: var(--spectrum-global-color-gray-200); cursor: pointer; overflow: hidden; position: relative; }
.panda-panel .thumb img { width: 100%; height: 100%; image-rendering: pixelated; display: block; }
.panda-panel .thumb[aria-pressed="true"] { border-color: var(--spectrum-global-color-blue-400, #378ef0); }
.panda-panel .thumb span { position: absolute; left: 2px; bottom: 1px; font-size: 10px; color: #fff; text-shadow: 0 0 2px #000; }
.panda-panel .thumbs.previews .thumb { width: 64px; height: 64px; }
.panda-panel .thumb span.fav { left: auto; right: 2px; top: 1px; bottom: auto; color: #ffd54a; }
.panda-panel .large-preview { display: flex; gap: 8px; align-items: flex-start; }
.panda-panel .large-preview img, .panda-panel .large-placeholder { width: 160px; height: 160px; flex: none; border-radius: 4px; }
.panda-panel .large-placeholder { background: var(--spectrum-global-color-gray-200); }
.panda-panel .large-preview p { margin: 0; font-size: 12px; line-height: 1.4; }
.panda-panel .hint { color: var(--spectrum-global-color-gray-600); font-size: 12px; margin: 0; }
.panda-panel .hint.warning { color: var(--spectrum-global-color-orange-700, #f2a33a); }
.panda-panel .messages { flex: none; padding: 0 10px 10px; }
.panda-panel .messages:empty { display: none; }
.panda-panel .message { margin: 0; padding: 6px 8px; border-radius: 4px; font-size: 12px; line-height: 1.4; }
.panda-panel .message.error { background: rgba(227, 72, 80, 0.15); color: var(--spectrum-global-color-red-700, #f5a3a3); }
.panda-panel .message.busy { background: rgba(74, 140, 255, 0.15); }
.panda-panel .message.notice { background: rgba(45, 157, 120, 0.15); color: var(--spectrum-global-color-green-700, #7fd1ae); }
.panda-panel .job { display: flex; gap: 8px; align-items: flex-end; }
.panda-panel .progress { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 4px; }
.panda-panel .progress-label { display: flex; justify-content: space-between; gap: 6px; font-size: 12px; }
.panda-panel .progress-track { height: 4px; border-radius: 2px; background: var(--spectrum-global-color-gray-300, #4a4a4a); overflow: hidden; }
.panda-panel .progress-fill { height: 100%; background: var(--spectrum-global-color-blue-500, #378ef0); transition: width 0.2s; }
.panda-panel .progress-track.indeterminate .progress-fill { animation: panda-progress-slide 1.2s ease-in-out infinite; }
@keyframes panda-progress-slide { from { margin-left: -30%; } to { margin-left: 100%; } }
.panda-panel .slider-label { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.panda-panel .strength-value { width: 72px; }
.panda-panel .status .status-text { flex: 1; min-width: 0; }
.panda-panel .section-head { display: flex; align-items: center; justify-content: space-between; gap: 6px; }
.panda-panel h2[role="button"] { cursor: pointer; user-select: none; }
.panda-panel .help { background: var(--spectrum-global-color-gray-75, rgba(255, 255, 255, 0.04)); border-radius: 6px; padding: 8px; }
.panda-panel .help p, .panda-panel .help dd { margin: 0; line-height: 1.45; }
.panda-panel .help-picture { width: 100%; height: auto; }
.panda-panel .terms { margin: 0; display: flex; flex-direction: column; gap: 3px; }
.panda-panel .terms dt { font-weight: 700; }
.panda-panel .terms dd { margin: 0 0 4px 0; color: var(--spectrum-global-color-gray-700); }
.panda-panel .shortcuts { border-collapse: collapse; font-size: 12px; }
.panda-panel .shortcuts td { padding: 2px 8px 2px 0; vertical-align: top; }
.panda-panel kbd { font-family: inherit; padding: 0 4px; border: 1px solid var(--spectrum-global-color-gray-400, #555); border-radius: 3px; white-space: nowrap; }
.panda-panel sp-slider { width: 100%; }
`;
