/**
 * Is a generated face laid out like a face? On the parser's labels: skin present, two eyes
 * (two separate blobs of the eye class, side by side), a mouth below both eyes, all inside
 * the skin's bounding box.
 */
export interface LayoutClasses {
  skin: number;
  eyes: number;
  mouth: number;
}

export interface LayoutVerdict {
  ok: boolean;
  reason: string;
}

interface Blob {
  area: number;
  cx: number;
  cy: number;
}

/** 4-connected components of one class, largest first. */
function blobs(labels: Uint8Array, width: number, height: number, cls: number): Blob[] {
  const seen = new Uint8Array(labels.length);
  const out: Blob[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] !== cls || seen[start]) continue;
    const stack = [start];
    seen[start] = 1;
    let area = 0;
    let sx = 0;
    let sy = 0;
    while (stack.length) {
      const p = stack.pop() as number;
      const x = p % width;
      const y = (p - x) / width;
      area += 1;
      sx += x;
      sy += y;
      const next = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
      for (const q of next) if (q >= 0 && !seen[q] && labels[q] === cls) (seen[q] = 1), stack.push(q);
    }
    out.push({ area, cx: sx / area, cy: sy / area });
  }
  return out.sort((a, b) => b.area - a.area);
}

export function checkLayout(labels: Uint8Array, width: number, height: number, classes: LayoutClasses): LayoutVerdict {
  const minArea = Math.max(2, Math.round((width * height) / 2000));
  const skin = blobs(labels, width, height, classes.skin)[0];
  if (!skin || skin.area < (width * height) / 20) return { ok: false, reason: "no face skin" };
  const eyes = blobs(labels, width, height, classes.eyes).filter((b) => b.area >= minArea);
  if (eyes.length < 2) return { ok: false, reason: `${eyes.length} eye(s)` };
  const [left, right] = [eyes[0], eyes[1]].sort((a, b) => a.cx - b.cx);
  if (right.cx - left.cx < width / 10) return { ok: false, reason: "eyes not side by side" };
  if (Math.abs(right.cy - left.cy) > height / 8) return { ok: false, reason: "eyes at different heights" };
  const mouth = blobs(labels, width, height, classes.mouth).filter((b) => b.area >= minArea)[0];
  if (!mouth) return { ok: false, reason: "no mouth" };
  if (mouth.cy <= Math.max(left.cy, right.cy)) return { ok: false, reason: "mouth not below the eyes" };
  if (mouth.cx < left.cx - width / 10 || mouth.cx > right.cx + width / 10) return { ok: false, reason: "mouth not between the eyes" };
  return { ok: true, reason: "skin, two eyes, mouth below" };
}
