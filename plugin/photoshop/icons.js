/**
 * The plugin's icons, drawn rather than stored: a round face cut into four parts (PandA's "parts").
 * Each icon named in the manifest is drawn at every scale it lists (`x@2x.png` beside `x.png`),
 * in a colour that suits its themes: light on dark themes, dark on light ones, colours for "all".
 */
const path = require("node:path");
const { PNG } = require("pngjs");

const DARK_THEMES = ["darkest", "dark", "medium"];
const PART_COLOURS = [
  [236, 104, 80],
  [245, 182, 66],
  [88, 178, 120],
  [74, 144, 226],
];

function coloursFor(themes) {
  if (themes.every((t) => DARK_THEMES.includes(t))) return PART_COLOURS.map(() => [214, 214, 214]);
  if (themes.every((t) => t === "light" || t === "lightest")) return PART_COLOURS.map(() => [70, 70, 70]);
  return PART_COLOURS;
}

/** Which part a point is in, or -1 outside the face and in the gaps between parts. */
function partAt(x, y) {
  const gap = 0.07;
  if (Math.hypot(x, y) > 0.44 || Math.abs(x) < gap / 2 || Math.abs(y) < gap / 2) return -1;
  return (y < 0 ? 0 : 2) + (x < 0 === y < 0 ? 0 : 1);
}

/** A size×size RGBA PNG; 4×4 samples per pixel smooth the edges. */
function drawIcon(size, colours) {
  const png = new PNG({ width: size, height: size });
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0];
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const part = partAt((px + (sx + 0.5) / samples) / size - 0.5, (py + (sy + 0.5) / samples) / size - 0.5);
          if (part < 0) continue;
          hits++;
          for (let c = 0; c < 3; c++) sum[c] += colours[part][c];
        }
      }
      const o = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) png.data[o + c] = hits ? Math.round(sum[c] / hits) : 0;
      png.data[o + 3] = Math.round((255 * hits) / (samples * samples));
    }
  }
  return PNG.sync.write(png);
}

/** Every icon the manifest names, as { path, width, height, png } for each scale. */
function iconFiles(manifest) {
  const entries = [...manifest.icons, ...manifest.entrypoints.flatMap((e) => e.icons ?? [])];
  return entries.flatMap((icon) =>
    icon.scale.map((scale) => {
      const { dir, name, ext } = path.posix.parse(icon.path);
      const file = scale === 1 ? icon.path : path.posix.join(dir, `${name}@${scale}x${ext}`);
      const width = Math.round(icon.width * scale);
      const height = Math.round(icon.height * scale);
      return { path: file, width, height, png: drawIcon(width, coloursFor(icon.theme ?? ["all"])) };
    }),
  );
}

module.exports = { iconFiles, drawIcon };
