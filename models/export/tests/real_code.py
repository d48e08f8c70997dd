"""Small generators built from the unmodified public GAN code in ../shared/gan-code, saved the way each
code base saves its checkpoints, with the exporter arguments that bring each one in (models/README.md).

Weights are random (none can be downloaded here); sizes are small so that tests stay fast. Nothing of
the public code is copied: where ../shared is absent, the tests that need it skip and say why."""
import contextlib
import importlib
import json
import pickle
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

import torch

from pandaexport.extensions import compiled_extensions_skipped

from .bundle_checks import EXPORT_DIR, REPO

CODE = REPO.parent / "shared" / "gan-code"
AVAILABLE = CODE.is_dir()
ABSENT = f"the public GAN code {CODE} is absent (test data, never committed): real-code exports are not checked"

NVLABS_SG2 = CODE / "stylegan2-ada-pytorch"
NVLABS_SG3 = CODE / "stylegan3"
ROSINALITY = CODE / "stylegan2-pytorch-rosinality"
GAN_ZOO = CODE / "pytorch_GAN_zoo"
BIGGAN = CODE / "pytorch-pretrained-BigGAN"

sys.path.insert(0, str(EXPORT_DIR / "examples"))
import random_nvlabs  # noqa: E402


@dataclass
class RealCase:
    """One implementation (and variant). Build and export each case in a process of its own: NVlabs'
    two code bases both have top-level packages `training` and `torch_utils`."""
    name: str
    what: str  # the implementation and variant, for messages
    make: Callable[[Path], List[str]]  # writes the weights into a folder; returns the exporter arguments
    context: Callable = contextlib.nullcontext  # around building, exporting and running the generator


def _import(folder: Path, dotted: str):
    """A module of the public code, imported as the exporter imports --module (from its checkout)."""
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    with compiled_extensions_skipped():
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


def _nvlabs(network: str, code: Path, module: str, split: Callable, *options: str, flags=(), resolution=32) -> Callable:
    def make(folder: Path) -> List[str]:
        pkl = folder / "network.pkl"
        args = random_nvlabs.parser().parse_args(
            ["--network", network, "--code", str(code), "--resolution", str(resolution), "--channel-base", "512",
             "--channel-max", "32", "--z-dim", "32", "--w-dim", "32", "--mapping-layers", "2", "--out", str(pkl),
             *options])
        G = trained_looking(random_nvlabs.build(args))
        with open(pkl, "wb") as f:  # as NVlabs' training loop does (random_nvlabs.main)
            pickle.dump({"G_ema": G.eval().requires_grad_(False)}, f)
        family = "stylegan3" if network.startswith("stylegan3") else "stylegan2"
        return ["--family", family, "--module", f"{code / module}:Generator", "--weights", str(pkl),
                "--weights-key", "G_ema", *split(G), *flags]
    return make


def _sg3_split(G) -> List[str]:
    return ["--split", G.synthesis.layer_names[3]]


def _rosinality(folder: Path) -> List[str]:
    model = _import(ROSINALITY, "model")
    kwargs = {"size": 8, "style_dim": 32, "n_mlp": 2}
    g = trained_looking(model.Generator(**kwargs).eval())
    weights = folder / "stylegan2-8.pt"
    with torch.no_grad():  # the form convert_weight.py writes: g_ema and the mean w
        torch.save({"g_ema": g.state_dict(), "latent_avg": g.style(torch.randn(512, 32)).mean(0)}, weights)
    return ["--family", "stylegan2", "--module", f"{ROSINALITY / 'model.py'}:Generator",
            "--kwargs", json.dumps(kwargs), "--weights", str(weights),
            "--weights-key", "g_ema", "--split", "conv1=4x4", "--split", "convs.1=8x8"]


def _progan(folder: Path) -> List[str]:
    networks = _import(GAN_ZOO, "models.networks.progressive_conv_net")
    g = networks.GNet(16, 16)
    for depth in (16, 8):  # grown to 16×16, as the hub's netG is to its full size
        g.addScale(depth)
    trained_looking(g)
    weights = folder / "pgan.pt"
    torch.save(g, weights)  # a whole module, as models/README.md says to save the hub's netG
    return ["--family", "progan", "--module", f"{GAN_ZOO / 'models/networks/progressive_conv_net.py'}:GNet",
            "--weights", str(weights), "--split", "scaleLayers.0.1=8x8", "--split", "scaleLayers.1.1=16x16"]


@contextlib.contextmanager
def biggan_download_helpers():
    """pytorch-pretrained-BigGAN imports boto3, botocore and tqdm (for downloading weights) when its package
    is imported; pip installs them with it, this machine has not. Empty stand-ins while they are missing."""
    added = []
    for name in ("boto3", "botocore", "botocore.exceptions", "tqdm"):
        try:
            importlib.import_module(name)
        except ImportError:
            stand_in = types.ModuleType(name)
            stand_in.ClientError, stand_in.tqdm = Exception, None
            sys.modules[name] = stand_in
            added.append(name)
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


def _biggan(folder: Path) -> List[str]:
    with biggan_download_helpers():
        model = _import(BIGGAN, "pytorch_pretrained_biggan.model")
    config = model.BigGANConfig(output_dim=32, z_dim=16, class_embed_dim=16, channel_width=4, num_classes=10,
                                layers=[(True, 16, 8), (True, 8, 4), (True, 4, 2), (False, 2, 1)],
                                attention_layer_position=2, n_stats=51)
    g = model.BigGAN(config)
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
    torch.save(g.eval(), weights)
    return ["--family", "biggan", "--module", f"{BIGGAN / 'pytorch_pretrained_biggan/model.py'}:BigGAN",
            "--weights", str(weights), "--class", "3", "--truncation", "0.5", "--split", "layers.2"]


CASES = [
    RealCase("sg2-ada", "NVlabs stylegan2-ada-pytorch, conditional, fp16 layers, skip architecture",
             _nvlabs("stylegan2", NVLABS_SG2, "training/networks.py", lambda G: ["--split", "b8.conv1=8x8", "--split", "b16.conv0=16x16"],
                     "--c-dim", "3", "--fp16-res", "2", "--conv-clamp", "256", flags=["--class", "1"])),
    RealCase("sg2-ada-resnet", "NVlabs stylegan2-ada-pytorch, resnet architecture",
             _nvlabs("stylegan2", NVLABS_SG2, "training/networks.py", lambda G: ["--split", "b16"], "--architecture", "resnet")),
    RealCase("sg3-stylegan2", "NVlabs stylegan3's StyleGAN2, orig architecture",
             _nvlabs("stylegan2", NVLABS_SG3, "training/networks_stylegan2.py", lambda G: ["--split", "b16.conv1"],
                     "--architecture", "orig")),
    RealCase("sg3-t", "NVlabs stylegan3, StyleGAN3-T",
             _nvlabs("stylegan3-t", NVLABS_SG3, "training/networks_stylegan3.py", _sg3_split, resolution=16)),
    RealCase("sg3-r", "NVlabs stylegan3, StyleGAN3-R, conditional",
             _nvlabs("stylegan3-r", NVLABS_SG3, "training/networks_stylegan3.py", _sg3_split, "--c-dim", "2",
                     flags=["--class", "0"], resolution=16)),
    RealCase("rosinality", "rosinality stylegan2-pytorch", _rosinality),
    RealCase("progan", "pytorch_GAN_zoo ProGAN (GNet)", _progan),
    RealCase("biggan", "pytorch-pretrained-BigGAN (BigGAN-deep)", _biggan, biggan_download_helpers),
]
