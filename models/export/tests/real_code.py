"""Small generators built from the unmodified public GAN code in ../shared/gan-code, saved the way each
code base saves its checkpoints, with the exporter arguments that bring each one in (models/README.md).

Weights are random (none can be downloaded here); sizes are small so that tests stay fast. Nothing of
the public code is copied: where ../shared is absent, the tests that need it skip and say why."""
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

from .bundle_checks import EXPORT_DIR

sys.path.insert(0, str(EXPORT_DIR / "examples"))
import random_gan  # noqa: E402  (the full-size builders; the cases here are the same savers at small sizes)
import random_nvlabs  # noqa: E402
from random_gan import (BIGGAN, GAN_ZOO, NVLABS_SG2, NVLABS_SG3, ROSINALITY,  # noqa: E402,F401
                        trained_looking)

CODE = random_gan.CODE
AVAILABLE = CODE.is_dir()
ABSENT = f"the public GAN code {CODE} is absent (test data, never committed): real-code exports are not checked"
_import = random_gan.import_public


@dataclass
class RealCase:
    """One implementation (and variant). Build and export each case in a process of its own: NVlabs'
    two code bases both have top-level packages `training` and `torch_utils`."""
    name: str
    what: str  # the implementation and variant, for messages
    make: Callable[[Path], List[str]]  # writes the weights into a folder; returns the exporter arguments


def _nvlabs(network: str, code: Path, module: str, split: Callable, *options: str, flags=(), resolution=32) -> Callable:
    def make(folder: Path) -> List[str]:
        small = ["--resolution", str(resolution), "--channel-base", "512", "--channel-max", "32", "--z-dim", "32",
                 "--w-dim", "32", "--mapping-layers", "2", *options]
        return [*random_gan.save_nvlabs(folder, network, code, module, small, split), *flags]
    return make


# A 1024-px StyleGAN3 runs its large filtered activations in groups of channels (256 MiB per sample by default)
# and its small ones at once. These small ones (6 layers, 16 px) upsample to 1.06 (T) and 2.11 MiB (R) per
# sample, their last one's to a third of that: with groups of 0.75 MiB they run in 2 (T) or 3 (R) groups,
# the last at once, as at 1024 (test/export/exporter.test.ts counts the groups in the graphs).
SG3_GROUPS = ["--activation-group-mib", "0.75"]


def _sg3_split(G) -> List[str]:
    return ["--split", G.synthesis.layer_names[3]]


def _rosinality(folder: Path) -> List[str]:
    return random_gan.save_rosinality(folder, {"size": 8, "style_dim": 32, "n_mlp": 2}, ["conv1=4x4", "convs.1=8x8"])


def _progan(folder: Path) -> List[str]:
    # grown to 16×16, as the hub's netG is to its full size
    return random_gan.save_progan(folder, 16, [16, 16, 8], ["scaleLayers.0.1=8x8", "scaleLayers.1.1=16x16"])


def _biggan(folder: Path) -> List[str]:
    config = dict(output_dim=32, z_dim=16, class_embed_dim=16, channel_width=4, num_classes=10,
                  layers=[(True, 16, 8), (True, 8, 4), (True, 4, 2), (False, 2, 1)], attention_layer_position=2, n_stats=51)
    return random_gan.save_biggan(folder, config, 3, ["layers.2"], truncation=0.5)


CASES = [
    RealCase("sg2-ada", "NVlabs stylegan2-ada-pytorch, conditional, fp16 layers, skip architecture",
             _nvlabs("stylegan2", NVLABS_SG2, "training/networks.py", lambda G: ["--split", "b8.conv1=8x8", "--split", "b16.conv0=16x16"],
                     "--c-dim", "3", "--fp16-res", "2", "--conv-clamp", "256", flags=["--class", "1"])),
    RealCase("sg2-ada-resnet", "NVlabs stylegan2-ada-pytorch, resnet architecture",
             _nvlabs("stylegan2", NVLABS_SG2, "training/networks.py", lambda G: ["--split", "b16"], "--architecture", "resnet")),
    RealCase("sg3-stylegan2", "NVlabs stylegan3's StyleGAN2, orig architecture",
             _nvlabs("stylegan2", NVLABS_SG3, "training/networks_stylegan2.py", lambda G: ["--split", "b16.conv1"],
                     "--architecture", "orig")),
    RealCase("sg3-t", "NVlabs stylegan3, StyleGAN3-T, filtered activations in groups of channels",
             _nvlabs("stylegan3-t", NVLABS_SG3, "training/networks_stylegan3.py", _sg3_split, "--num-layers", "6",
                     resolution=16, flags=SG3_GROUPS)),
    RealCase("sg3-r", "NVlabs stylegan3, StyleGAN3-R, conditional, filtered activations in groups of channels",
             _nvlabs("stylegan3-r", NVLABS_SG3, "training/networks_stylegan3.py", _sg3_split, "--c-dim", "2",
                     "--num-layers", "6", flags=["--class", "0", *SG3_GROUPS], resolution=16)),
    RealCase("rosinality", "rosinality stylegan2-pytorch", _rosinality),
    RealCase("progan", "pytorch_GAN_zoo ProGAN (GNet)", _progan),
    RealCase("biggan", "pytorch-pretrained-BigGAN (BigGAN-deep)", _biggan),
]
