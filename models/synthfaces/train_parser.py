"""Train the SynthFaces face parser (small U-Net, 11 part classes) on renders and export parser.onnx.

Trains on the pre-rendered dataset (render.py, seed 0), validates on freshly rendered held-out faces
(another seed), writes parser.onnx next to this file and its metrics to work/parser_metrics.json
(export.py puts them into the model card).

    python3 train_parser.py [--steps 4000] [--max-minutes 40]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import Parser, n_params  # noqa: E402
import render  # noqa: E402
from train_gan import to_tensor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NC = len(render.CLASSES)


def augment(x, rng):
    """Flip (no class is left/right specific), brightness/contrast and noise, so the parser also
    copes with the slightly off colours and textures of generated faces."""
    n = len(x)
    flip = torch.from_numpy(rng.random(n) < 0.5)[:, None, None, None]
    gain = torch.from_numpy(rng.uniform(0.85, 1.15, (n, 1, 1, 1))).float()
    bias = torch.from_numpy(rng.uniform(-0.1, 0.1, (n, 1, 1, 1))).float()
    noise = torch.randn_like(x) * torch.from_numpy(rng.uniform(0, 0.06, (n, 1, 1, 1))).float()
    return flip, (x * gain + bias + noise).clamp(-1, 1)


@torch.no_grad()
def evaluate(model, images, labels, batch=200):
    """Per-class IoU accumulated over the whole set, mean IoU, pixel accuracy."""
    model.eval()
    inter, union, correct = np.zeros(NC), np.zeros(NC), 0
    for i in range(0, len(images), batch):
        pred = model(to_tensor(images[i:i + batch])).argmax(1).numpy()
        lab = labels[i:i + batch]
        correct += (pred == lab).sum()
        for c in range(NC):
            p, l = pred == c, lab == c
            inter[c] += (p & l).sum()
            union[c] += (p | l).sum()
    model.train()
    iou = inter / np.maximum(union, 1)
    return {"miou": float(iou[union > 0].mean()), "iou": iou.round(4).tolist(),
            "pixel_acc": float(correct / labels.size)}


def export_onnx(model, path):
    model.eval()
    torch.onnx.export(model, (torch.zeros(2, 3, 64, 64),), path, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, opset_version=17,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "work", "faces.npz"))
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--max-minutes", type=float, default=40.0)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--val-count", type=int, default=1000)
    ap.add_argument("--val-seed", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(HERE, "parser.onnx"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    d = np.load(args.data)
    images, labels = d["images"], d["labels"]
    val_images, val_labels = render.render_many(args.val_count, args.val_seed)  # never seen in training
    model = Parser(NC)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(f"parser {n_params(model):,} params, {len(images)} train / {len(val_images)} val faces", flush=True)

    start, step, losses = time.time(), 0, []
    while step < args.steps:
        # cosine decay over whichever budget (steps or minutes) runs out first
        progress = max(step / args.steps, (time.time() - start) / (args.max_minutes * 60))
        if progress >= 1:
            break
        for grp in opt.param_groups:
            grp["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * progress))
        idx = rng.integers(0, len(images), args.batch)
        flip, x = augment(to_tensor(images[idx]), rng)
        y = torch.from_numpy(labels[idx]).long()
        x = torch.where(flip, x.flip(3), x)
        y = torch.where(flip[:, 0], y.flip(2), y)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        losses.append(loss.item())
        if step % 100 == 0:
            print(f"step {step} loss {np.mean(losses[-100:]):.4f} lr {opt.param_groups[0]['lr']:.2e} "
                  f"{(time.time() - start) / 60:.1f} min", flush=True)
        if step % 1000 == 0:
            print("val", json.dumps(evaluate(model, val_images[:300], val_labels[:300])), flush=True)

    train_seconds = time.time() - start
    metrics = evaluate(model, val_images, val_labels)
    metrics.update(params=n_params(model), steps=step, batch=args.batch, train_seconds=round(train_seconds, 1),
                   train_count=len(images), val_count=len(val_images), val_seed=args.val_seed,
                   final_loss=float(np.mean(losses[-100:])))
    export_onnx(model, args.out)
    torch.save(model.state_dict(), os.path.join(HERE, "work", "parser.pt"))
    with open(os.path.join(HERE, "work", "parser_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print(json.dumps(metrics), f"onnx {os.path.getsize(args.out) / 2**20:.2f} MB", flush=True)


if __name__ == "__main__":
    main()
