#!/usr/bin/env python3
"""Build a generator of one of the official GAN code bases at full size with random weights, save it the
way that code base's users hold it, and print the exporter arguments that bring it in (models/README.md).

Weights cannot be downloaded on this project's machines, so this is how `npm run bench:exports` (and
anyone checking the exporter at real size) gets a generator shaped like the published ones:

  /usr/bin/python3 models/export/examples/random_gan.py --family sg3-r --size 1024 --out $OUT/sg3-r-1024

| family          | code (../shared/gan-code)                          | saved as                                   | sizes          |
|-----------------|----------------------------------------------------|--------------------------------------------|----------------|
| `sg2-ada`       | stylegan2-ada-pytorch `training/networks.py`       | NVlabs network pickle `{'G_ema': G}`       | 256, 1024      |
| `sg3-stylegan2` | stylegan3 `training/networks_stylegan2.py`         | NVlabs network pickle                      | 256, 1024      |
| `sg3-t`, `sg3-r`| stylegan3 `training/networks_stylegan3.py`         | NVlabs network pickle                      | 256, 1024      |
| `rosinality`    | stylegan2-pytorch `model.py` (config-f)            | `{'g_ema': state_dict, 'latent_avg'}` .pt  | 256, 1024      |
| `progan`        | pytorch_GAN_zoo `GNet` (paper's channel widths)    | the whole module (`torch.save(netG)`)      | 256, 1024      |
| `biggan`        | pytorch-pretrained-BigGAN (biggan-deep configs)    | the whole module                           | 128, 256, 512  |

BigGAN-deep was published at 128, 256 and 512 only: there is no 1024 BigGAN. The splits are the layers at
32×32 and 64×64 (StyleGAN3: the last layers sampled at 32 and 64, whose maps carry a 10-pixel margin).
Random weights are made "trained-looking" (tests/real_code.trained_looking): no path is left at zero.
Writes into the --out folder; prints one JSON line: family, size, file, parameters, seconds, export
(the exporter's arguments, without --out)."""
import argparse
import importlib
import json
import os
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # pandaexport

import random_nvlabs  # noqa: E402
from pandaexport.extensions import public_code_imported  # noqa: E402

CODE = random_nvlabs.SHARED_CODE
NVLABS_SG2 = CODE / "stylegan2-ada-pytorch"
NVLABS_SG3 = CODE / "stylegan3"
ROSINALITY = CODE / "stylegan2-pytorch-rosinality"
GAN_ZOO = CODE / "pytorch_GAN_zoo"
BIGGAN = CODE / "pytorch-pretrained-BigGAN"


def import_public(folder: Path, dotted: str):
    """A module of the public code, imported as the exporter imports --module (from its checkout)."""
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    with public_code_imported():
        return importlib.import_module(dotted)


def trained_looking(module: torch.nn.Module) -> torch.nn.Module:
    """Random weights where every path counts: parameters that start at zero (noise strengths, biases, the
    noise injections' weights) get small random values, StyleGAN3's input magnitudes a trained-like size."""
    with torch.no_grad():
        for p in module.parameters():
            if not p.any():
                p.normal_(0, 0.1)
        for name, b in module.named_buffers():
            if name.endswith("magnitude_ema"):
                b.fill_(1.7)
    return module


def parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# ---- NVlabs (network pickles) -------------------------------------------------------------------------

def save_nvlabs(folder: Path, network: str, code: Path, module: str, nvlabs_args: Sequence[str],
                splits: Callable) -> List[str]:
    """random_nvlabs builds it from NVlabs' code; pickled as NVlabs' training loop writes snapshots."""
    pkl = folder / "network.pkl"
    args = random_nvlabs.parser().parse_args(["--network", network, "--code", str(code), "--out", str(pkl), *nvlabs_args])
    G = trained_looking(random_nvlabs.build(args)).eval().requires_grad_(False)
    with open(pkl, "wb") as f:
        pickle.dump({"G_ema": G}, f)
    family = "stylegan3" if network.startswith("stylegan3") else "stylegan2"
    return ["--family", family, "--module", f"{code / module}:Generator", "--weights", str(pkl),
            "--weights-key", "G_ema", *splits(G)]


def stylegan3_splits(G, rates=(32, 64)) -> List[str]:
    """The last synthesis layer sampled at each rate (its map is rate + 2·margin pixels wide)."""
    layers = [getattr(G.synthesis, name) for name in G.synthesis.layer_names[:-1]]  # not the ToRGB
    chosen = [[n for n, l in zip(G.synthesis.layer_names, layers) if int(l.out_sampling_rate) == r][-1] for r in rates]
    return [a for name in chosen for a in ("--split", name)]


def _nvlabs(network: str, code: Path, module: str) -> Callable:
    def make(folder: Path, size: int) -> List[str]:
        splits = stylegan3_splits if network.startswith("stylegan3") else \
            (lambda G: ["--split", "b32.conv1=32x32", "--split", "b64.conv1=64x64"])
        return save_nvlabs(folder, network, code, module, ["--resolution", str(size)], splits)
    return make


# ---- rosinality stylegan2-pytorch (train.py / convert_weight.py checkpoints) -------------------------------

def save_rosinality(folder: Path, kwargs: Dict, splits: Sequence[str]) -> List[str]:
    model = import_public(ROSINALITY, "model")
    g = trained_looking(model.Generator(**kwargs).eval())
    weights = folder / f"stylegan2-{kwargs['size']}.pt"
    with torch.no_grad():  # the form convert_weight.py writes: g_ema and the mean w
        torch.save({"g_ema": g.state_dict(), "latent_avg": g.style(torch.randn(2048, kwargs["style_dim"])).mean(0)}, weights)
    return ["--family", "stylegan2", "--module", f"{ROSINALITY / 'model.py'}:Generator", "--kwargs", json.dumps(kwargs),
            "--weights", str(weights), "--weights-key", "g_ema", *(a for s in splits for a in ("--split", s))]


def _rosinality(folder: Path, size: int) -> List[str]:
    # config-f: style 512, 8 mapping layers, channel multiplier 2; convs.2k+1 is the second conv at 8·2^k
    return save_rosinality(folder, {"size": size, "style_dim": 512, "n_mlp": 8}, ["convs.5=32x32", "convs.7=64x64"])


# ---- ProGAN (pytorch_GAN_zoo) ---------------------------------------------------------------------------

PROGAN_DEPTHS = [512, 512, 512, 512, 256, 128, 64, 32, 16]  # the paper's (and the zoo's default) widths, 4…1024


def save_progan(folder: Path, latent: int, depths: Sequence[int], splits: Sequence[str]) -> List[str]:
    networks = import_public(GAN_ZOO, "models.networks.progressive_conv_net")
    g = networks.GNet(latent, depths[0])
    for depth in depths[1:]:  # grown to full size, as the hub's netG is
        g.addScale(depth)
    trained_looking(g)
    weights = folder / "pgan.pt"
    torch.save(g.eval(), weights)  # a whole module, as models/README.md says to save the hub's netG
    return ["--family", "progan", "--module", f"{GAN_ZOO / 'models/networks/progressive_conv_net.py'}:GNet",
            "--weights", str(weights), *(a for s in splits for a in ("--split", s))]


def _progan(folder: Path, size: int) -> List[str]:
    scales = size.bit_length() - 2  # 4×4 is scale 0
    # scaleLayers.k.1 is the second convolution at 8·2^k
    return save_progan(folder, 512, PROGAN_DEPTHS[:scales], ["scaleLayers.2.1=32x32", "scaleLayers.3.1=64x64"])


# ---- BigGAN-deep (pytorch-pretrained-BigGAN) --------------------------------------------------------------

def biggan_deep_layers(size: int):
    """The GenBlocks of the published biggan-deep-128/256/512 configs: per resolution a block that keeps the
    size and one that doubles it, channel multipliers (of channel_width 128) from 16 down."""
    widths = {128: [16, 16, 8, 4, 2, 1], 256: [16, 16, 8, 8, 4, 2, 1], 512: [16, 16, 8, 8, 4, 2, 1, 1]}[size]
    return [block for a, b in zip(widths, widths[1:]) for block in ((False, a, a), (True, a, b))]


def save_biggan(folder: Path, config_kwargs: Dict, class_index: int, splits: Sequence[str], truncation=0.4) -> List[str]:
    model = import_public(BIGGAN, "pytorch_pretrained_biggan.model")
    g = model.BigGAN(model.BigGANConfig(**config_kwargs))
    with torch.no_grad():  # trained-looking statistics: converged spectral-norm vectors, spread batch norms
        for m in g.modules():
            if hasattr(m, "weight_u"):
                u, _, vh = torch.linalg.svd(m.weight_orig.reshape(m.weight_orig.shape[0], -1), full_matrices=False)
                m.weight_u.copy_(u[:, 0])
                m.weight_v.copy_(vh[0])
            if isinstance(m, model.BigGANBatchNorm):
                m.running_means.normal_(0, 0.1)
                m.running_vars.uniform_(0.5, 1.5)
            if isinstance(m, model.SelfAttn):
                m.gamma.fill_(0.5)
    weights = folder / "biggan.pt"
    torch.save(g.eval(), weights)  # BigGAN.from_pretrained(...) saved whole, as models/README.md says
    return ["--family", "biggan", "--module", f"{BIGGAN / 'pytorch_pretrained_biggan/model.py'}:BigGAN",
            "--weights", str(weights), "--class", str(class_index), "--truncation", str(truncation),
            *(a for s in splits for a in ("--split", s))]


def _biggan(folder: Path, size: int) -> List[str]:
    # the 4th GenBlock pair doubles to 32 (block 5), attention (layers.8) sits after the 64×64 doubling
    config = dict(output_dim=size, z_dim=128, class_embed_dim=128, channel_width=128, num_classes=1000,
                  layers=biggan_deep_layers(size), attention_layer_position=8, n_stats=51)
    return save_biggan(folder, config, 207, ["layers.6=32x32", "layers.8=64x64"])


@dataclass
class Family:
    what: str
    make: Callable[[Path, int], List[str]]  # writes the weights into a folder; returns the exporter arguments
    sizes: Sequence[int] = (256, 1024)


FAMILIES: Dict[str, Family] = {
    "sg2-ada": Family("NVlabs stylegan2-ada-pytorch StyleGAN2 (config-f)",
                      _nvlabs("stylegan2", NVLABS_SG2, "training/networks.py")),
    "sg3-stylegan2": Family("NVlabs stylegan3's StyleGAN2 (config-f)",
                            _nvlabs("stylegan2", NVLABS_SG3, "training/networks_stylegan2.py")),
    "sg3-t": Family("NVlabs StyleGAN3-T", _nvlabs("stylegan3-t", NVLABS_SG3, "training/networks_stylegan3.py")),
    "sg3-r": Family("NVlabs StyleGAN3-R", _nvlabs("stylegan3-r", NVLABS_SG3, "training/networks_stylegan3.py")),
    "rosinality": Family("rosinality stylegan2-pytorch (config-f)", _rosinality),
    "progan": Family("pytorch_GAN_zoo ProGAN (GNet)", _progan),
    "biggan": Family("pytorch-pretrained-BigGAN BigGAN-deep", _biggan, (128, 256, 512)),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--family", choices=sorted(FAMILIES), required=True)
    p.add_argument("--size", type=int, default=256, help="image size (256 or 1024; BigGAN 128, 256 or 512)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, help="folder for the checkpoint")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    family = FAMILIES[args.family]
    if args.size not in family.sizes:
        extra = " (BigGAN-deep was published at 128, 256 and 512: there is no 1024 BigGAN)" if args.family == "biggan" else ""
        print(f"random_gan: --size for {args.family} is one of {', '.join(map(str, family.sizes))}{extra}", file=sys.stderr)
        return 2
    if not CODE.is_dir():
        print(f"random_gan: the public GAN code {CODE} is absent", file=sys.stderr)
        return 2
    start = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    export = family.make(args.out, args.size)
    weights = Path(export[export.index("--weights") + 1])
    print(json.dumps({"family": args.family, "what": family.what, "size": args.size, "file": str(weights),
                      "fileBytes": os.path.getsize(weights), "seconds": round(time.monotonic() - start, 2),
                      "export": export}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
