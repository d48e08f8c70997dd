"""What the two trainers (train_gan.py, train_sr.py) share: the options that control a resumable run
and the atomic checkpoint write."""
import os

import torch


def add_run_options(ap):
    """Options for where a run writes, how long it runs and how it resumes (same names in both trainers)."""
    ap.add_argument("--workdir", default=None, help="checkpoints, samples, logs (default work/, or a temp dir with --smoke)")
    ap.add_argument("--steps", type=int, default=3000, help="total steps (a resumed run continues up to this)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: the other core belongs to the team)")
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--max-minutes", type=float, default=None, help="stop (with a checkpoint) after this long")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="a few steps on a few fresh renders, files only in a temp dir")


def save_checkpoint(state, path):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a kill never leaves a torn checkpoint
