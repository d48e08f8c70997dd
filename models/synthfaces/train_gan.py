"""Train the SynthFaces GAN on pre-rendered procedural faces (render.py).

Hinge loss, spectrally normalised D, Adam, EMA of the generator weights (the EMA is what gets
exported). Resumable: a checkpoint (and a sample grid to look at) every --ckpt-minutes.

    python3 train_gan.py --data work/faces.npz --steps 3000 --batch 32        # fresh run
    python3 train_gan.py --resume                                            # continue work/ckpt.pt
    python3 train_gan.py --smoke [--workdir DIR]                             # CI: seconds, temp dir
"""
import argparse
import copy
import csv
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.dont_write_bytecode = True  # --smoke (CI) leaves no files outside its temp dir, not even __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import LATENT, Discriminator, Generator, n_params, recalibrate_bn  # noqa: E402
import render  # noqa: E402
from training_run import add_run_options, save_checkpoint  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "work", "faces.npz"))
    add_run_options(ap)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    return ap.parse_args(argv)


def to_tensor(images_u8):
    return torch.from_numpy(images_u8).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def save_grid(images, path, cols=8):
    """images: float tensor [N,3,64,64] in [-1,1] -> PNG grid."""
    x = ((images.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    n, h, w, _ = x.shape
    rows = (n + cols - 1) // cols
    grid = np.zeros((rows * h, cols * w, 3), np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = x[k]
    Image.fromarray(grid).save(path, optimize=True)


def ema_samples(g_ema, z):
    """Samples from the EMA generator with BatchNorm statistics recomputed for its weights."""
    g = recalibrate_bn(copy.deepcopy(g_ema), n_batches=4)
    with torch.no_grad():
        return g(z)


class Trainer:
    def __init__(self, args, data):
        self.args, self.data = args, data
        torch.manual_seed(args.seed)
        self.G, self.D = Generator(), Discriminator()
        self.G_ema = copy.deepcopy(self.G).eval()
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=args.lr, betas=(0.0, 0.99))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=args.lr, betas=(0.0, 0.99))
        self.step, self.train_seconds = 0, 0.0
        self.rng = np.random.default_rng(args.seed)
        self.z_fixed = torch.randn(64, LATENT, generator=torch.Generator().manual_seed(7))

    def state(self):
        return {"G": self.G.state_dict(), "D": self.D.state_dict(), "G_ema": self.G_ema.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(), "step": self.step,
                "train_seconds": self.train_seconds, "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), "args": vars(self.args)}

    def load(self, st):
        self.G.load_state_dict(st["G"]); self.D.load_state_dict(st["D"]); self.G_ema.load_state_dict(st["G_ema"])
        self.opt_g.load_state_dict(st["opt_g"]); self.opt_d.load_state_dict(st["opt_d"])
        self.step, self.train_seconds = st["step"], st["train_seconds"]
        self.rng.bit_generator.state = st["rng"]
        torch.set_rng_state(st["torch_rng"])

    def batch(self):
        idx = self.rng.integers(0, len(self.data), self.args.batch)
        x = to_tensor(self.data[idx])
        flip = torch.from_numpy(self.rng.random(len(idx)) < 0.5)
        return torch.where(flip[:, None, None, None], x.flip(3), x)  # mirrored faces are faces too

    def train_step(self):
        real = self.batch()
        z = torch.randn(len(real), LATENT)
        fake = self.G(z)  # one G forward serves both updates (saves a third of the compute)

        # D: hinge loss
        loss_d = F.relu(1 - self.D(real)).mean() + F.relu(1 + self.D(fake.detach())).mean()
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()

        # G: hinge generator loss against the updated D
        loss_g = -self.D(fake).mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()

        # EMA with a warm-up so early samples are not dominated by the random init
        beta = min(self.args.ema, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 1 - beta)
            for be, b in zip(self.G_ema.buffers(), self.G.buffers()):
                be.copy_(b)
        self.step += 1
        return loss_d.item(), loss_g.item()


def checkpoint(tr, workdir):
    save_checkpoint(tr.state(), os.path.join(workdir, "ckpt.pt"))
    samples = ema_samples(tr.G_ema, tr.z_fixed)
    save_grid(samples, os.path.join(workdir, f"samples_{tr.step:06d}.png"))
    np.save(os.path.join(workdir, "samples.npy"), samples.numpy().astype(np.float32))
    return samples


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.smoke:
        args.workdir = args.workdir or tempfile.mkdtemp(prefix="synthfaces-smoke-")
        args.steps, args.batch = min(args.steps, 6), min(args.batch, 8)
        data, _ = render.render_many(32, args.seed)
    else:
        args.workdir = args.workdir or os.path.join(HERE, "work")
        data = np.load(args.data)["images"]
    os.makedirs(args.workdir, exist_ok=True)

    tr = Trainer(args, data)
    ckpt_path = os.path.join(args.workdir, "ckpt.pt")
    if args.resume and os.path.exists(ckpt_path):
        tr.load(torch.load(ckpt_path))
        print(f"resumed at step {tr.step} ({tr.train_seconds / 60:.1f} min trained)", flush=True)
    print(f"G {n_params(tr.G):,} params, D {n_params(tr.D):,} params, {len(data)} faces, "
          f"batch {args.batch}, threads {args.threads}, workdir {args.workdir}", flush=True)

    log = open(os.path.join(args.workdir, "losses.csv"), "a", newline="")
    writer = csv.writer(log)
    start, last_ckpt, window = time.time(), time.time(), []
    session_start_seconds = tr.train_seconds
    while tr.step < args.steps:
        t0 = time.time()
        ld, lg = tr.train_step()
        tr.train_seconds += time.time() - t0
        window.append((ld, lg))
        writer.writerow([tr.step, f"{ld:.4f}", f"{lg:.4f}", f"{tr.train_seconds:.1f}"])
        if tr.step % 25 == 0 or args.smoke:
            d, g = np.mean(window, 0)
            rate = (tr.step) / max(tr.train_seconds, 1e-9)
            print(f"step {tr.step} loss_d {d:.3f} loss_g {g:.3f} {rate:.3f} steps/s "
                  f"{tr.train_seconds / 60:.1f} min", flush=True)
            window, _ = [], log.flush()
        out_of_time = args.max_minutes and time.time() - start > args.max_minutes * 60
        if time.time() - last_ckpt > args.ckpt_minutes * 60 or out_of_time:
            checkpoint(tr, args.workdir)
            last_ckpt = time.time()
            print(f"checkpoint at step {tr.step}", flush=True)
        if out_of_time:
            break
    samples = checkpoint(tr, args.workdir)
    log.close()
    summary = {"step": tr.step, "train_seconds": round(tr.train_seconds, 1),
               "session_seconds": round(tr.train_seconds - session_start_seconds, 1),
               "workdir": args.workdir, "samples_finite": bool(torch.isfinite(samples).all())}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
