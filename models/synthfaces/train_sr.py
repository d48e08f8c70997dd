"""Train the 64 → 256 super-resolution stage of SynthFaces 256 on the renderer's own pairs.

render.py draws every face at 256 px and downsamples it to the 64 px the GAN learnt, so each render
is a (64, 256) pair. The input is degraded the way the GAN's 64-px output differs from a clean
render (random blur, a box instead of a LANCZOS downsample, noise, colour jitter), so the stage
sharpens generated faces too instead of only clean renders. Loss: L1 on pixels and on their
gradients (edges). Random 32-px crops of the input (128-px targets) keep a step cheap on one thread.
Resumable: a checkpoint and a sample sheet every --ckpt-minutes, atomically written.

    python3 train_sr.py --data work/faces-256.npz --steps 3000         # fresh run (or continue with --resume)
    python3 train_sr.py --resume --max-minutes 60                      # continue work/sr-ckpt.pt
    python3 train_sr.py --smoke [--workdir DIR]                        # CI: seconds, temp dir
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.dont_write_bytecode = True  # --smoke (CI) leaves no files outside its temp dir
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import SuperRes, n_params  # noqa: E402
import render  # noqa: E402
from training_run import add_run_options, save_checkpoint  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = 4


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "work", "faces-256.npz"), help="render.py --size 256 output")
    add_run_options(ap)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=32, help="input crop side in pixels (the target is 4× that)")
    ap.add_argument("--lr", type=float, default=5e-4)
    return ap.parse_args(argv)


def to_tensor(images_u8):
    return torch.from_numpy(np.ascontiguousarray(images_u8)).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def lanczos_64(big_u8):
    """The renderer's own 64-px versions of 256-px renders."""
    return np.stack([np.asarray(Image.fromarray(b).resize((b.shape[0] // SCALE,) * 2, Image.LANCZOS)) for b in big_u8])


def gaussian_kernel(sigma, radius=2):
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / max(sigma, 1e-3)) ** 2)
    return k / k.sum()


def degrade(lo, hi, gen):
    """GAN-like versions of clean 64-px inputs, per sample: a box downsample of the 256-px target
    instead of LANCZOS (softer), a Gaussian blur, a small colour shift and pixel noise."""
    out = lo.clone()
    for i in range(len(lo)):
        r = torch.rand(5, generator=gen)
        x = F.avg_pool2d(hi[i:i + 1], SCALE) if r[0] < 0.3 else lo[i:i + 1]
        if r[1] < 0.6:
            k = gaussian_kernel(0.3 + 0.9 * r[2].item())
            x = F.pad(x, (2, 2, 2, 2), mode="replicate")
            x = F.conv2d(x, k.view(1, 1, 1, 5).expand(3, 1, 1, 5), groups=3)
            x = F.conv2d(x, k.view(1, 1, 5, 1).expand(3, 1, 5, 1), groups=3)
        if r[3] < 0.5:
            x = x + 0.03 * torch.randn(1, 3, 1, 1, generator=gen)
        if r[4] < 0.5:
            x = x + 0.02 * torch.rand(1, generator=gen) * torch.randn(x.shape, generator=gen)
        out[i] = x[0]
    return out


def edge_l1(a, b):
    """L1 between horizontal and vertical differences: rewards edges in the right place."""
    return ((a[..., 1:, :] - a[..., :-1, :]) - (b[..., 1:, :] - b[..., :-1, :])).abs().mean() + \
        ((a[..., 1:] - a[..., :-1]) - (b[..., 1:] - b[..., :-1])).abs().mean()


def psnr(a, b):
    mse = ((a - b) ** 2).mean().item() / 4  # range [-1, 1] → [0, 1]
    return 10 * math.log10(1 / max(mse, 1e-12))


class Trainer:
    def __init__(self, args, big, small):
        self.args, self.big, self.small = args, big, small
        torch.manual_seed(args.seed)
        self.net = SuperRes()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=args.lr, betas=(0.9, 0.99))
        self.step, self.train_seconds = 0, 0.0
        self.rng = np.random.default_rng(args.seed)
        self.gen = torch.Generator().manual_seed(args.seed)

    def state(self):
        return {"net": self.net.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                "train_seconds": self.train_seconds, "rng": self.rng.bit_generator.state,
                "gen": self.gen.get_state(), "args": vars(self.args)}

    def load(self, st):
        self.net.load_state_dict(st["net"]); self.opt.load_state_dict(st["opt"])
        self.step, self.train_seconds = st["step"], st["train_seconds"]
        self.rng.bit_generator.state = st["rng"]
        self.gen.set_state(st["gen"])

    def batch(self):
        a = self.args
        c, n = a.crop, self.small.shape[1]
        idx = self.rng.integers(0, len(self.big), a.batch)
        ys, xs = self.rng.integers(0, n - c + 1, a.batch), self.rng.integers(0, n - c + 1, a.batch)
        lo = np.stack([self.small[i, y:y + c, x:x + c] for i, y, x in zip(idx, ys, xs)])
        hi = np.stack([self.big[i, SCALE * y:SCALE * (y + c), SCALE * x:SCALE * (x + c)] for i, y, x in zip(idx, ys, xs)])
        lo, hi = to_tensor(lo), to_tensor(hi)
        flip = torch.from_numpy(self.rng.random(a.batch) < 0.5)[:, None, None, None]
        lo, hi = torch.where(flip, lo.flip(3), lo), torch.where(flip, hi.flip(3), hi)
        return degrade(lo, hi, self.gen), hi

    def train_step(self):
        # cosine decay to a tenth of the rate over the planned steps
        lr = self.args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, self.step / max(self.args.steps, 1)))))
        for g in self.opt.param_groups:
            g["lr"] = lr
        lo, hi = self.batch()
        out = self.net(lo)
        loss = (out - hi).abs().mean() + edge_l1(out, hi)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.step += 1
        return loss.item()


@torch.no_grad()
def validate(net, val_big, val_small):
    """PSNR (dB) of the stage and of plain bilinear upsampling on held-out clean renders."""
    lo, hi = to_tensor(val_small), to_tensor(val_big)
    out = net.eval()(lo)
    net.train()
    bilinear = F.interpolate(lo, scale_factor=SCALE, mode="bilinear", align_corners=False).clamp(-1, 1)
    return {"psnr": round(psnr(out, hi), 2), "psnr_bilinear": round(psnr(bilinear, hi), 2)}, out


def save_sheet(lo, out, hi, path):
    """Rows of (input upsampled nearest, output, target), 256 px each."""
    def u8(t):
        return ((t.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    near = F.interpolate(lo, scale_factor=SCALE, mode="nearest")
    rows = [np.concatenate([a, b, c], 1) for a, b, c in zip(u8(near), u8(out), u8(hi))]
    Image.fromarray(np.concatenate(rows, 0)).save(path, optimize=True)


def checkpoint(tr, workdir, val_big, val_small):
    save_checkpoint(tr.state(), os.path.join(workdir, "sr-ckpt.pt"))
    metrics, out = validate(tr.net, val_big, val_small)
    save_sheet(to_tensor(val_small[:4]), out[:4], to_tensor(val_big[:4]), os.path.join(workdir, f"sr-samples_{tr.step:06d}.png"))
    return metrics, out


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.smoke:
        args.workdir = args.workdir or tempfile.mkdtemp(prefix="synthfaces-sr-smoke-")
        args.steps, args.batch = min(args.steps, 4), min(args.batch, 4)
        big, _ = render.render_many(6, args.seed, size=256)
        val_big, _ = render.render_many(2, args.seed + 1, size=256)
    else:
        args.workdir = args.workdir or os.path.join(HERE, "work")
        big = np.load(args.data)["images"]
        val_big, _ = render.render_many(16, 1, size=256)  # held out: seed 1 is never trained on
    small, val_small = lanczos_64(big), lanczos_64(val_big)
    os.makedirs(args.workdir, exist_ok=True)

    tr = Trainer(args, big, small)
    ckpt_path = os.path.join(args.workdir, "sr-ckpt.pt")
    if args.resume and os.path.exists(ckpt_path):
        tr.load(torch.load(ckpt_path))
        print(f"resumed at step {tr.step} ({tr.train_seconds / 60:.1f} min trained)", flush=True)
    print(f"SuperRes {n_params(tr.net):,} params, {len(big)} faces, batch {args.batch} × {args.crop}² crops, "
          f"threads {args.threads}, workdir {args.workdir}", flush=True)

    log = open(os.path.join(args.workdir, "sr-losses.csv"), "a")
    start, last_ckpt, window = time.time(), time.time(), []
    while tr.step < args.steps:
        t0 = time.time()
        loss = tr.train_step()
        tr.train_seconds += time.time() - t0
        window.append(loss)
        log.write(f"{tr.step},{loss:.5f},{tr.train_seconds:.1f}\n")
        if tr.step % 25 == 0 or args.smoke:
            print(f"step {tr.step} loss {np.mean(window):.4f} {tr.step / max(tr.train_seconds, 1e-9):.3f} steps/s "
                  f"{tr.train_seconds / 60:.1f} min", flush=True)
            window, _ = [], log.flush()
        out_of_time = args.max_minutes and time.time() - start > args.max_minutes * 60
        if time.time() - last_ckpt > args.ckpt_minutes * 60 or out_of_time:
            metrics, _ = checkpoint(tr, args.workdir, val_big, val_small)
            last_ckpt = time.time()
            print(f"checkpoint at step {tr.step}: {json.dumps(metrics)}", flush=True)
        if out_of_time:
            break
    metrics, out = checkpoint(tr, args.workdir, val_big, val_small)
    log.close()
    summary = {"step": tr.step, "train_seconds": round(tr.train_seconds, 1), "workdir": args.workdir,
               "output_shape": list(out.shape), "output_finite": bool(torch.isfinite(out).all()), **metrics}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
