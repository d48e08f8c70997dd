"""Family adapters: generators whose forward torch.fx cannot cut (Python control flow over lists of
layers, random noise, batch-dependent grouped convolutions, ops without ONNX export), written
against the module interfaces of their public PyTorch implementations."""
from typing import NamedTuple, Optional

from ..errors import ExportError
from ..generator import Latent
from ..loading import Loaded
from . import biggan, progan, stylegan2, stylegan3


class Options(NamedTuple):
    truncation: Optional[float] = None  # default ψ
    class_index: Optional[int] = None  # class fixed at export (conditional generators)
    latent: Optional[Latent] = None  # only its distribution may differ from the family's
    activation_group_bytes: Optional[int] = None  # StyleGAN3: per-sample budget of a group of its filtered activation


FAMILIES = {
    "progan": progan.ProGAN,
    "stylegan2": stylegan2.StyleGAN2,
    "stylegan3": stylegan3.StyleGAN3,
    "biggan": biggan.BigGAN,
}


def build(family: str, loaded: Loaded, options: Options):
    gen = FAMILIES[family](loaded.module, loaded.extras, options)
    if options.latent is not None:
        if options.latent.dims:
            raise ExportError(f"--latent {options.latent.text()}: the {family} adapter takes flat latents; give SIZE[:distribution]")
        if options.latent.size != gen.latent.size:
            raise ExportError(f"--latent {options.latent.size} does not match the {family} generator's "
                              f"latent size {gen.latent.size}")
        gen.latent = options.latent
    return gen
