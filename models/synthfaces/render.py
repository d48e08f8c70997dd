"""Procedural face renderer for SynthFaces: 64x64 RGB stylised faces with per-pixel part labels.

Every face is drawn at 256x256 with PIL (shapes on an RGB canvas and the same shapes, by part id,
on a label canvas), posed with one affine transform, shaded, composited on a background, then
downsampled: the image with LANCZOS (anti-aliasing), the labels with NEAREST (labels stay ids).
A face depends only on its seed, so datasets are reproducible from (count, seed).

    python3 render.py --count 30000 --seed 0 --out work/faces.npz
    python3 render.py --count 64 --seed 1 --sheet sheet.png
"""
import argparse
import math

import numpy as np
from PIL import Image, ImageDraw

CLASSES = ["background", "skin", "hair", "eyes", "eyebrows", "nose", "mouth",
           "ears", "neck_clothes", "glasses", "beard"]
BG, SKIN, HAIR, EYES, BROWS, NOSE, MOUTH, EARS, NECK, GLASSES, BEARD = range(11)

BIG, SIZE = 256, 64

# Skin tones from very light to very dark (interpolated, then jittered).
SKIN_TONES = np.array([[255, 228, 206], [241, 194, 160], [224, 172, 128], [198, 134, 92],
                       [161, 102, 64], [118, 72, 42], [82, 50, 30]], float)
HAIR_COLOURS = np.array([[20, 16, 14], [55, 35, 22], [95, 60, 32], [150, 100, 55],
                         [220, 185, 120], [165, 70, 30], [150, 150, 150], [230, 230, 225],
                         [60, 80, 170], [200, 80, 150]], float)
HAIR_P = np.array([22, 20, 15, 10, 10, 8, 6, 4, 2.5, 2.5])
IRIS_COLOURS = np.array([[70, 42, 22], [40, 25, 15], [70, 120, 190], [80, 130, 70],
                         [130, 100, 50], [120, 130, 140]], float)
LIPSTICKS = np.array([[190, 30, 50], [150, 20, 60], [220, 80, 110], [120, 30, 40]], float)
HAIR_STYLES = ["none", "short", "long", "fringe", "curly"]
MOUTHS = ["neutral", "smile", "open"]
CLASS_COLOURS = np.array([[0, 0, 0], [255, 200, 160], [120, 60, 20], [0, 160, 255], [90, 40, 160],
                          [255, 120, 0], [220, 0, 60], [0, 200, 120], [120, 120, 120],
                          [255, 255, 0], [40, 90, 40]], np.uint8)


def _rgb(c):
    return tuple(int(round(v)) for v in np.clip(c, 0, 255))


class _Canvas:
    """Draws every shape twice: in colour on the image and by part id on the label map."""

    def __init__(self):
        self.img = Image.new("RGB", (BIG, BIG))
        self.lab = Image.new("L", (BIG, BIG), BG)
        self.d_img, self.d_lab = ImageDraw.Draw(self.img), ImageDraw.Draw(self.lab)

    def ellipse(self, box, colour, part, width=0):
        kw = {"width": width} if width else {}
        self.d_img.ellipse(box, fill=None if width else _rgb(colour),
                           outline=_rgb(colour) if width else None, **kw)
        self.d_lab.ellipse(box, fill=None if width else part, outline=part if width else None, **kw)

    def polygon(self, pts, colour, part):
        pts = [(float(x), float(y)) for x, y in pts]
        self.d_img.polygon(pts, fill=_rgb(colour))
        self.d_lab.polygon(pts, fill=part)

    def line(self, pts, colour, part, width):
        pts = [(float(x), float(y)) for x, y in pts]
        self.d_img.line(pts, fill=_rgb(colour), width=width, joint="curve")
        self.d_lab.line(pts, fill=part, width=width, joint="curve")

    def rect(self, box, colour, part, width=0, radius=0):
        if width:
            self.d_img.rounded_rectangle(box, radius, outline=_rgb(colour), width=width)
            self.d_lab.rounded_rectangle(box, radius, outline=part, width=width)
        else:
            self.d_img.rounded_rectangle(box, radius, fill=_rgb(colour))
            self.d_lab.rounded_rectangle(box, radius, fill=part)


def _face_outline(cx, cy, rx, ry, jaw, chin, n=48):
    """Head outline: upper half an ellipse; the lower half narrows towards the chin
    (jaw 0 = round, 1 = pointed) and the chin can be flattened."""
    pts = []
    for k in range(n):
        t = 2 * math.pi * k / n
        x, y = math.cos(t), math.sin(t)
        if y > 0:  # lower half (image y grows downwards)
            x *= 1 - jaw * y ** 2
            y = min(y, chin)
        pts.append((cx + rx * x, cy + ry * y))
    return pts


def _arc(cx, cy, w, h, n=12):
    """Points on a parabola through (cx-w, cy), (cx, cy+h), (cx+w, cy)."""
    return [(cx + w * s, cy + h * (1 - s * s)) for s in np.linspace(-1, 1, n)]


def _background(rng):
    yy, xx = np.mgrid[0:BIG, 0:BIG] / (BIG - 1)
    c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    kind = rng.choice(["flat", "vgrad", "dgrad", "radial", "noise", "stripes"])
    if kind == "flat":
        t = np.zeros_like(xx)
    elif kind == "vgrad":
        t = yy
    elif kind == "dgrad":
        a = rng.uniform(0, 2 * math.pi)
        t = (math.cos(a) * (xx - .5) + math.sin(a) * (yy - .5)) + .5
    elif kind == "radial":
        t = np.clip(np.hypot(xx - .5, yy - .4) * 1.6, 0, 1)
    elif kind == "noise":  # smooth blotches: upsampled coarse noise
        coarse = rng.uniform(0, 1, (6, 6))
        t = np.asarray(Image.fromarray((coarse * 255).astype(np.uint8)).resize((BIG, BIG), Image.BICUBIC)) / 255.
    else:
        f, a = rng.uniform(3, 10), rng.uniform(0, math.pi)
        t = (np.sin(2 * math.pi * f * (math.cos(a) * xx + math.sin(a) * yy)) > 0) * 0.35
    t = np.clip(t, 0, 1)[..., None]
    return c1 * (1 - t) + c2 * t


def render_face(seed, size=SIZE):
    """Returns (image uint8 size x size x 3, labels uint8 size x size) for one seed. The face is the
    same at every size (drawn at 256, then resampled), so sizes 64 and 256 form super-resolution pairs;
    size 256 is the drawing itself."""
    rng = np.random.default_rng(seed)
    cv = _Canvas()
    u = rng.uniform

    # --- identity -------------------------------------------------------------------------------
    tone = u(0, len(SKIN_TONES) - 1)
    i = int(tone)
    skin = SKIN_TONES[i] * (1 - (tone - i)) + SKIN_TONES[min(i + 1, len(SKIN_TONES) - 1)] * (tone - i)
    skin = skin + rng.normal(0, 6, 3)
    hair_c = HAIR_COLOURS[rng.choice(len(HAIR_COLOURS), p=HAIR_P / HAIR_P.sum())] + rng.normal(0, 10, 3)
    style = rng.choice(HAIR_STYLES, p=[.12, .3, .25, .18, .15])
    cx, cy = 128, 118
    rx, ry = u(50, 64), u(66, 80)
    jaw, chin = u(0.05, 0.45), u(0.85, 1.0)
    top = cy - ry

    # --- body, neck, back hair, ears ----------------------------------------------------------------
    cloth = rng.uniform(20, 235, 3)
    sh_w = u(95, 125)
    cv.ellipse((cx - sh_w, cy + ry + u(15, 30), cx + sh_w, cy + ry + 160), cloth, NECK)
    neck_w = rx * u(0.45, 0.6)
    cv.rect((cx - neck_w, cy + ry * 0.4, cx + neck_w, cy + ry + 40), skin * 0.85, NECK)
    if style == "long":
        hl = u(0, 50)
        cv.rect((cx - rx - u(10, 22), top - u(6, 14), cx + rx + u(10, 22), cy + ry + hl),
                hair_c, HAIR, radius=int(rx * 0.8))
    ear_y, ear_h, ear_w = cy + u(-8, 6), u(18, 26), u(10, 15)
    for sx in (-1, 1):
        ex = cx + sx * (rx - 3)
        cv.ellipse((ex - ear_w, ear_y - ear_h, ex + ear_w, ear_y + ear_h), skin * 0.92, EARS)

    # --- face ---------------------------------------------------------------------------------------
    cv.polygon(_face_outline(cx, cy, rx, ry, jaw, chin), skin, SKIN)
    if rng.random() < 0.3:  # blush; still skin
        for sx in (-1, 1):
            bx, by = cx + sx * rx * 0.5, cy + ry * 0.2
            cv.ellipse((bx - 12, by - 7, bx + 12, by + 7), skin * 0.95 + np.array([14, -4, -4]), SKIN)

    eye_y = cy + u(-14, -2)
    eye_dx = rx * u(0.36, 0.48)
    nose_y = eye_y + u(26, 36)
    mouth_y = nose_y + u(18, 26)
    mouth_w = rx * u(0.28, 0.45)

    # --- beard (under the mouth so the mouth is drawn on top) --------------------------------------
    has_beard = rng.random() < 0.18
    if has_beard:
        outline = _face_outline(cx, cy, rx, ry, jaw, chin)
        start = nose_y + u(-4, 14)
        pts = [p for p in outline if p[1] > start]
        beard_c = hair_c * u(0.8, 1.0)
        cv.polygon(pts, beard_c, BEARD)
        if rng.random() < 0.6:  # moustache
            cv.ellipse((cx - mouth_w * 1.1, mouth_y - 14, cx + mouth_w * 1.1, mouth_y - 2), beard_c, BEARD)

    # --- nose --------------------------------------------------------------------------------------
    nw, nh = u(7, 13), u(18, 28)
    nose_c = skin * u(0.78, 0.88)
    cv.polygon([(cx, nose_y - nh), (cx - nw, nose_y + 2), (cx - nw * 0.6, nose_y + 6),
                (cx + nw * 0.6, nose_y + 6), (cx + nw, nose_y + 2)], nose_c, NOSE)

    # --- mouth -------------------------------------------------------------------------------------
    lip = LIPSTICKS[rng.integers(len(LIPSTICKS))] if rng.random() < 0.25 else skin * np.array([.78, .58, .58]) + np.array([30, 0, 0])
    mouth = rng.choice(MOUTHS)
    if mouth == "neutral":
        lh = u(4, 7)
        cv.ellipse((cx - mouth_w, mouth_y - lh, cx + mouth_w, mouth_y + lh), lip, MOUTH)
        cv.line([(cx - mouth_w + 2, mouth_y), (cx + mouth_w - 2, mouth_y)], lip * 0.55, MOUTH, 2)
    elif mouth == "smile":
        h = u(6, 12)
        upper = _arc(cx, mouth_y - 2, mouth_w, h * 0.5)
        lower = _arc(cx, mouth_y - 2, mouth_w, h + 6)[::-1]
        cv.polygon(upper + lower, lip, MOUTH)
        cv.line(_arc(cx, mouth_y - 1, mouth_w * 0.9, h * 0.6), lip * 0.5, MOUTH, 2)
    else:
        oh = u(8, 16)
        cv.ellipse((cx - mouth_w * 0.8, mouth_y - oh, cx + mouth_w * 0.8, mouth_y + oh), lip, MOUTH)
        cv.ellipse((cx - mouth_w * 0.6, mouth_y - oh * 0.6, cx + mouth_w * 0.6, mouth_y + oh * 0.65),
                   (60, 15, 20), MOUTH)
        if rng.random() < 0.6:  # teeth
            cv.rect((cx - mouth_w * 0.4, mouth_y - oh * 0.6, cx + mouth_w * 0.4, mouth_y - oh * 0.2),
                    (235, 232, 220), MOUTH)

    # --- eyes and eyebrows -------------------------------------------------------------------------
    ew, eh = u(9, 14), u(5, 9)
    iris = IRIS_COLOURS[rng.integers(len(IRIS_COLOURS))]
    look = u(-3, 3)
    for sx in (-1, 1):
        ex = cx + sx * eye_dx
        cv.ellipse((ex - ew, eye_y - eh, ex + ew, eye_y + eh), (245, 245, 240), EYES)
        r = eh * 0.95
        cv.ellipse((ex + look - r, eye_y - r, ex + look + r, eye_y + r), iris, EYES)
        cv.ellipse((ex + look - r * 0.45, eye_y - r * 0.45, ex + look + r * 0.45, eye_y + r * 0.45),
                   (10, 10, 10), EYES)
        cv.line([(ex - ew, eye_y - eh * 0.3), (ex, eye_y - eh - 1), (ex + ew, eye_y - eh * 0.3)],
                (25, 20, 20), EYES, 2)  # upper lid line
    brow_c = hair_c * 0.8 if style != "none" else skin * 0.5
    brow_y, brow_t, brow_tilt = eye_y - eh - u(8, 14), int(u(5, 9)), u(-5, 5)
    for sx in (-1, 1):
        bx = cx + sx * eye_dx
        pts = [(bx - sx * ew * 1.2, brow_y + brow_tilt),
               (bx, brow_y - 3), (bx + sx * ew * 1.3, brow_y + 2)]
        cv.line(pts, brow_c, BROWS, brow_t)

    # --- hair on top ------------------------------------------------------------------------------
    if style in ("short", "long", "fringe"):
        line_y = top + ry * (u(0.45, 0.6) if style == "fringe" else u(0.22, 0.35))
        ext = u(6, 14)
        cap = [(cx + (rx + ext) * math.cos(t), top + ry + 4 - (ry + ext) * math.sin(t))
               for t in np.linspace(0, math.pi, 24)]
        cap = [(x, min(y, line_y)) for x, y in cap]
        if style == "fringe":  # jagged edge of the fringe
            cap += [(cx - rx * (1 - 2 * k / 8), line_y + (6 if k % 2 else 0)) for k in range(9)]
        else:
            cap += [(cx - rx, line_y + 18), (cx - rx * 0.5, line_y + 2), (cx + rx * 0.3, line_y - 4),
                    (cx + rx, line_y + 18)] if rng.random() < 0.5 else [(cx - rx, line_y + 12), (cx + rx, line_y + 12)]
        cv.polygon(cap, hair_c, HAIR)
        if style == "long":  # side locks over the ears
            for sx in (-1, 1):
                x0 = cx + sx * (rx + ext)
                cv.polygon([(x0, line_y - 10), (cx + sx * rx * 0.8, line_y), (cx + sx * rx * 0.85, cy + ry * 0.5),
                            (x0 + sx * 4, cy + ry * 0.9)], hair_c, HAIR)
    elif style == "curly":
        n, rr = int(u(14, 22)), u(13, 20)
        for k in range(n):
            t = math.pi * (-0.08 + 1.16 * k / (n - 1))
            px, py = cx + (rx + 2) * math.cos(t), top + ry * 0.75 - (ry * 0.72) * math.sin(t)
            cv.ellipse((px - rr, py - rr, px + rr, py + rr), hair_c * u(0.85, 1.1), HAIR)
        cv.ellipse((cx - rx * 0.8, top - 10, cx + rx * 0.8, top + ry * 0.35), hair_c, HAIR)

    # --- glasses -----------------------------------------------------------------------------------
    if rng.random() < 0.22:
        frame = rng.choice([[15, 15, 15], [120, 70, 30], [180, 180, 190], [150, 20, 30]])
        gw, gh, fw = ew + u(6, 10), eh + u(7, 11), int(u(5, 8))
        sun = rng.random() < 0.3
        round_ = rng.random() < 0.5
        for sx in (-1, 1):
            ex = cx + sx * eye_dx
            box = (ex - gw, eye_y - gh, ex + gw, eye_y + gh)
            if sun:
                cv.rect(box, (25, 30, 35), GLASSES, radius=int(gh * (0.9 if round_ else 0.3)))
            cv.rect(box, frame, GLASSES, width=fw, radius=int(gh * (0.9 if round_ else 0.3)))
            cv.line([(ex + sx * gw, eye_y - gh * 0.5), (cx + sx * (rx + 2), eye_y - gh * 0.7)], frame, GLASSES, fw)
        cv.line([(cx - eye_dx + gw, eye_y - gh * 0.3), (cx, eye_y - gh * 0.5), (cx + eye_dx - gw, eye_y - gh * 0.3)],
                frame, GLASSES, fw)

    # --- pose, shading, composite ----------------------------------------------------------------
    ang, s = math.radians(u(-12, 12)), u(1.0, 1.25)
    tx, ty = u(-14, 14), u(-10, 12)
    ca, sa = math.cos(ang), math.sin(ang)
    c0 = BIG / 2  # inverse map: output p -> input c0 + R(-ang)(p - c0 - t)/s
    aff = (ca / s, sa / s, c0 - (ca * (c0 + tx) + sa * (c0 + ty)) / s,
           -sa / s, ca / s, c0 - (-sa * (c0 + tx) + ca * (c0 + ty)) / s)
    img = np.asarray(cv.img.transform((BIG, BIG), Image.AFFINE, aff, Image.BILINEAR), float)
    lab = np.asarray(cv.lab.transform((BIG, BIG), Image.AFFINE, aff, Image.NEAREST))

    yy, xx = np.mgrid[0:BIG, 0:BIG] / (BIG - 1) - 0.5
    la = u(0, 2 * math.pi)
    light = 1 + u(0.1, 0.45) * (math.cos(la) * xx + math.sin(la) * yy)
    light *= 1 - 0.25 * np.clip(np.hypot(xx, yy * 0.8) - 0.25, 0, 1)  # darker towards the rim
    fg = img * light[..., None]
    out = np.where((lab > 0)[..., None], fg, _background(rng))

    big = np.clip(out, 0, 255).astype(np.uint8)
    return downsample(big, lab, size)


def downsample(big, lab, size):
    """A 256-px drawing and its labels at `size`: image LANCZOS, labels NEAREST (ids stay ids)."""
    if size == BIG:
        return big, lab
    image = Image.fromarray(big).resize((size, size), Image.LANCZOS)
    labels = Image.fromarray(lab).resize((size, size), Image.NEAREST)
    return np.asarray(image), np.asarray(labels)


def render_many(count, seed, size=SIZE):
    """count faces; face k uses seed (seed, k) so datasets with the same seed share a prefix."""
    images = np.empty((count, size, size, 3), np.uint8)
    labels = np.empty((count, size, size), np.uint8)
    for k in range(count):
        images[k], labels[k] = render_face([seed, k], size)
    return images, labels


def contact_sheet(images, labels, cols=16):
    """Faces, each with its colour-coded label map underneath, 2x enlarged."""
    n, s = len(images), images.shape[1]
    rows = (n + cols - 1) // cols
    sheet = np.full((rows * 2 * s, cols * s, 3), 255, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        sheet[2 * r * s:(2 * r + 1) * s, c * s:(c + 1) * s] = images[k]
        sheet[(2 * r + 1) * s:(2 * r + 2) * s, c * s:(c + 1) * s] = CLASS_COLOURS[labels[k]]
    return Image.fromarray(sheet).resize((cols * s * 2, rows * 2 * s * 2), Image.NEAREST)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=SIZE, help="image side in pixels (256 = the drawing itself)")
    ap.add_argument("--out", help="write images/labels to this .npz")
    ap.add_argument("--sheet", help="write a contact sheet PNG (faces over their label maps)")
    args = ap.parse_args()
    images, labels = render_many(args.count, args.seed, args.size)
    if args.out:
        np.savez_compressed(args.out, images=images, labels=labels, classes=np.array(CLASSES))
    if args.sheet:
        contact_sheet(images[:128], labels[:128]).save(args.sheet)
    print(f"rendered {args.count} faces (seed {args.seed})")


if __name__ == "__main__":
    main()
