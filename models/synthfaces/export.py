"""Export the trained SynthFaces generator (EMA weights) as a PandA Studio bundle.

Writes into models/synthfaces-64 (the small model; export_sr.py builds the 256-px default model on
it): <split>/head.onnx and <split>/tail.onnx for every split, model.json, samples.png and MODEL_CARD.md (figures from the checkpoint, its loss log and the parser metrics).
Checks every split: onnx.checker, head∘tail == the full torch forward, and (when node and
onnxruntime-node are installed) the same through ONNX Runtime, all within 1e-4.

    python3 export.py [--ckpt work/ckpt.pt]
"""
import argparse
import copy
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import G_CHANNELS, LATENT, SPLITS, Generator, n_params, recalibrate_bn  # noqa: E402
from render import CLASSES  # noqa: E402
from train_gan import save_grid  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OPSET = 17
TOL = 1e-4


class Head(nn.Module):
    def __init__(self, g, split):
        super().__init__()
        self.g, self.split = g, split

    def forward(self, z):
        return self.g.head(z, self.split)


class Tail(nn.Module):
    def __init__(self, g, split):
        super().__init__()
        self.g, self.split = g, split

    def forward(self, features):
        return self.g.tail(features, self.split)


def load_generator(ckpt_path):
    st = torch.load(ckpt_path, map_location="cpu")
    g = Generator()
    g.load_state_dict(st["G_ema"])
    # The EMA weights never produced BatchNorm statistics of their own: recompute them, then freeze.
    recalibrate_bn(g, n_batches=32, batch=64)
    return g, st


def export_split(g, split, out_dir):
    size = int(split.split("x")[0])
    shape = [G_CHANNELS[split], size, size]
    os.makedirs(os.path.join(out_dir, split), exist_ok=True)
    head_path, tail_path = (os.path.join(out_dir, split, f) for f in ("head.onnx", "tail.onnx"))
    z = torch.randn(2, LATENT)
    # Wrappers built in eval mode: torch.onnx.export restores the wrapper's mode afterwards, and a
    # wrapper left in train mode would switch g (and its BatchNorm statistics) to training.
    torch.onnx.export(Head(g, split).eval(), (z,), head_path, input_names=["z"], output_names=["features"],
                      dynamic_axes={"z": {0: "N"}, "features": {0: "N"}}, opset_version=OPSET,
                      do_constant_folding=True)
    torch.onnx.export(Tail(g, split).eval(), (torch.zeros(2, *shape),), tail_path, input_names=["features"],
                      output_names=["image"], dynamic_axes={"features": {0: "N"}, "image": {0: "N"}},
                      opset_version=OPSET, do_constant_folding=True)
    for p in (head_path, tail_path):
        onnx.checker.check_model(onnx.load(p), full_check=True)
    return {"id": split, "shape": shape, "head": f"{split}/head.onnx", "tail": f"{split}/tail.onnx"}


@torch.no_grad()
def check_torch_split(g, split, z):
    assert not g.training
    diff = (g.tail(g.head(z, split), split) - g(z)).abs().max().item()
    assert diff <= TOL, f"{split}: head∘tail differs from forward by {diff}"
    return diff


def check_onnxruntime(out_dir, z, expected):
    """Runs verify_onnx.mjs (onnxruntime-node) on every split; None when node/ort is missing."""
    node = shutil.which("node")
    if not node or not os.path.isdir(os.path.join(REPO, "node_modules", "onnxruntime-node")):
        print("onnxruntime check skipped: node or onnxruntime-node not installed")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "ref.json")
        with open(ref, "w") as f:
            json.dump({"n": len(z), "z": z.flatten().tolist(), "image": expected.flatten().tolist()}, f)
        r = subprocess.run([node, os.path.join(HERE, "verify_onnx.mjs"), out_dir, ref],
                           cwd=REPO, capture_output=True, text=True)
    print(r.stdout.strip())
    if r.returncode != 0:
        raise SystemExit(f"onnxruntime check failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def final_losses(workdir, upto_step, last=200):
    """Mean losses over the last steps before the checkpoint (the log may run ahead of it)."""
    path = os.path.join(workdir, "losses.csv")
    if not os.path.exists(path):
        return None
    rows = [r for r in csv.reader(open(path)) if int(r[0]) <= upto_step][-last:]
    return {"loss_d": float(np.mean([float(r[1]) for r in rows])),
            "loss_g": float(np.mean([float(r[2]) for r in rows])), "over_steps": len(rows)}


def write_manifest(out_dir, layers):
    layers[0]["default"] = True
    manifest = {
        "format": "panda-bundle/1",
        "id": "synthfaces-64",
        "title": "SynthFaces 64×64 (small, trained by PandA Studio)",
        "description": "A small GAN trained by PandA Studio on procedurally rendered stylised faces; runs offline on a CPU.",
        "latent": {"size": LATENT, "distribution": "normal"},
        "truncation": {"method": "latent", "default": 0.7},
        "image": {"width": 64, "height": 64, "channels": 3, "range": [-1, 1]},
        "layers": layers,
        "evaluation": {"parser": "parser.onnx", "classes": CLASSES},
        "license": "MIT",
        "source": "Trained from scratch by PandA Studio: models/synthfaces/reproduce.sh (renderer render.py, GAN train_gan.py, export export.py).",
        "card": "MODEL_CARD.md",
    }
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")


def file_mb(path):
    return os.path.getsize(path) / 2 ** 20


def write_card(out_dir, g, st, losses, ort, workdir):
    args = st.get("args", {})
    parser_metrics_path = os.path.join(workdir, "parser_metrics.json")
    pm = json.load(open(parser_metrics_path)) if os.path.exists(parser_metrics_path) else None
    sizes = {p: file_mb(os.path.join(out_dir, p)) for p in
             [f"{s}/{f}.onnx" for s in SPLITS for f in ("head", "tail")] + ["parser.onnx"]
             if os.path.exists(os.path.join(out_dir, p))}
    lines = [
        "# SynthFaces 64×64 (trained by PandA Studio)",
        "",
        "A small unconditional GAN that generates stylised 64×64 faces. It exists so that PandA Studio shows",
        "faces out of the box, offline, on a CPU, with no third-party weights: everything here — data,",
        "weights, parser — is produced by the scripts in this folder.",
        "",
        "## Data",
        "No photographs. `render.py` draws procedural faces (PIL, deterministic per seed) at 256×256 and",
        "downsamples them to 64×64 (LANCZOS), with a per-pixel part label map (nearest) of 11 classes:",
        ", ".join(f"{i} {c}" for i, c in enumerate(CLASSES)) + ".",
        "Independent random factors: face shape (aspect, jaw, chin), skin tone across the human range, hair",
        "style (none, short, long, fringe, curly) and colour, eye colour/size/spacing/gaze, eyebrows, nose,",
        "mouth (neutral, smile, open, teeth), lipstick, blush, glasses (incl. sunglasses), beard/moustache,",
        "clothes colour, background (flat, gradients, radial, blotches, stripes), directional shading, and",
        "pose jitter (rotation ±12°, scale, translation). The GAN saw 30,000 faces rendered with seed 0",
        "(`render.py --count 30000 --seed 0`), mirrored at random.",
        "",
        "## Architecture",
        f"Generator ({n_params(g):,} parameters): z ∈ R^128 ~ N(0, I) → linear → 256×4×4 → four blocks of",
        "(nearest upsample ×2, 3×3 conv, BatchNorm, LeakyReLU 0.2) → 256×8×8, 128×16×16, 64×32×32, 32×64×64",
        "→ 3×3 conv → tanh, range [-1, 1]. No transposed convolutions (no checkerboards in the feature maps).",
        "Discriminator: spectrally normalised convs (32→256 channels, stride-2 4×4 downsampling), linear score.",
        "Loss: hinge. Adam (lr {lr}, β = (0, 0.99)), batch {batch}, EMA of generator weights (decay {ema});".format(
            lr=args.get("lr"), batch=args.get("batch"), ema=args.get("ema")),
        "the exported weights are the EMA with BatchNorm statistics recomputed for them (32×64 latents).",
        "",
        "## Training",
        f"- steps: {st['step']} (batch {args.get('batch')}, {st['step'] * (args.get('batch') or 0):,} images seen)",
        f"- training time: {st['train_seconds'] / 60:.1f} min on one CPU thread "
        f"({st['step'] / max(st['train_seconds'], 1):.2f} steps/s), no GPU; the machine had 2 cores shared with",
        "  other jobs (about 1.07 steps/s on an idle core). The published run stopped on a time limit",
        "  (`--max-minutes`) and was resumed from its checkpoint; `reproduce.sh` runs the same step count.",
    ]
    if losses:
        lines.append(f"- final losses (mean over the last {losses['over_steps']} steps): "
                     f"D hinge {losses['loss_d']:.3f}, G {losses['loss_g']:.3f}")
    lines += ["", "## Bundle",
              "Splits (head: `z` [N,128] → `features`; tail: `features` → `image` [N,3,64,64]), ONNX opset 17, dynamic batch:",
              ""]
    for s in SPLITS:
        c = G_CHANNELS[s]
        lines.append(f"- `{s}`: features {c}×{s.replace('x', '×')}" + (" (default)" if s == SPLITS[0] else ""))
    lines += ["", "Checks at export: `onnx.checker`; head∘tail equals the full torch forward (max abs diff ≤ 1e-4)"
              + (f"; through onnxruntime-node, max abs diff {max(ort['maxDiff'].values()):.1e} against torch." if ort else "."),
              "", "File sizes: " + ", ".join(f"`{p}` {mb:.2f} MB" for p, mb in sizes.items())
              + f"; total {sum(sizes.values()):.1f} MB.", ""]
    lines += ["## Face parser (`parser.onnx`, used by `npm run eval:parts`)"]
    if pm:
        lines += [f"A U-Net ({pm['params']:,} parameters) trained on {pm['train_count']:,} renders for {pm['steps']} steps",
                  f"({pm['train_seconds'] / 60:.1f} min, one thread); input `image` [N,3,64,64] in [-1,1], output `logits` [N,11,64,64].",
                  f"Held-out renders ({pm['val_count']:,}, seed {pm['val_seed']}): mIoU **{pm['miou']:.3f}**, pixel accuracy {pm['pixel_acc']:.3f}.",
                  "Per-class IoU: " + ", ".join(f"{c} {v:.2f}" for c, v in zip(CLASSES, pm["iou"])) + ".",
                  "It is trained on renders, so on generated faces it is only as good as the GAN is faithful."]
    else:
        lines += ["Not trained yet (run `train_parser.py`)."]
    lines += ["", "## Samples", "`samples.png`: 24 samples of this generator at truncation ψ = 0.7 (z′ = ψ·z).",
              "", "## Intended use and limits",
              "A demo and test generator for PandA Studio: stylised faces, not photographs, 64×64, no identities.",
              "Samples can show GAN artefacts (smeared parts, asymmetric eyes, blurred glasses).",
              "", "## Licence", "MIT (code, renders and weights are all this project's own work).",
              "", "## Reproduce", "One command, from the repository root (CPU only, about 2.5 h on an idle core, one thread):", "",
              "```sh", "models/synthfaces/reproduce.sh", "```", "",
              "It renders the dataset into `models/synthfaces/work/` (git-ignored), trains the GAN, trains the",
              "parser and runs `export.py`. Seeds are fixed; on other CPUs/thread counts the floating-point",
              "results differ slightly. To re-export from the latest checkpoint of a run in progress:",
              "`/usr/bin/python3 models/synthfaces/export.py`.", ""]
    with open(os.path.join(out_dir, "MODEL_CARD.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "work", "ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "synthfaces-64"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    g, st = load_generator(args.ckpt)
    os.makedirs(args.out, exist_ok=True)
    parser = os.path.join(HERE, "parser.onnx")  # train_parser.py writes it here; every SynthFaces bundle carries a copy
    if os.path.exists(parser) and os.path.abspath(args.out) != HERE:
        shutil.copyfile(parser, os.path.join(args.out, "parser.onnx"))
    layers = [export_split(g, s, args.out) for s in SPLITS]
    z = torch.randn(4, LATENT, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        expected = g(z)
    diffs = {s: check_torch_split(g, s, z) for s in SPLITS}
    print("torch head∘tail vs forward:", diffs)
    write_manifest(args.out, layers)
    ort = check_onnxruntime(args.out, z.numpy(), expected.numpy())

    zs = 0.7 * torch.randn(24, LATENT, generator=torch.Generator().manual_seed(2023))
    with torch.no_grad():
        save_grid(g(zs), os.path.join(args.out, "samples.png"))
    write_card(args.out, g, st, final_losses(os.path.dirname(args.ckpt), st["step"]), ort, os.path.dirname(args.ckpt))
    total = sum(file_mb(os.path.join(args.out, l[k])) for l in layers for k in ("head", "tail"))
    print(f"exported step {st['step']}: {len(layers)} splits, {total:.1f} MB of generator ONNX")


if __name__ == "__main__":
    main()
