"""What the exporter needs from a generator, whatever cuts it (the generic fx path or a family adapter)."""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch

DISTRIBUTIONS = ("normal", "uniform")
# Tensor names fixed by models/README.md; an auxiliary tensor may not take one of them.
RESERVED_NAMES = ("z", "truncation", "features", "image")


@dataclass(frozen=True)
class Latent:
    """The bundle's latent is always z [N, size]; `dims` is the shape per sample the generator
    itself reads (e.g. 100×1×1 for DCGANs that take z as a 1×1 image), reshaped inside the head."""

    size: int
    distribution: str = "normal"
    dims: Tuple[int, ...] = ()  # () means (size,)

    @property
    def shape(self) -> Tuple[int, ...]:
        return self.dims or (self.size,)

    def text(self) -> str:
        """As --latent takes it."""
        return "x".join(map(str, self.shape)) + f":{self.distribution}"

    def sample(self, n: int, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        if self.distribution == "uniform":
            return torch.rand(n, self.size, generator=gen) * 2 - 1
        return torch.randn(n, self.size, generator=gen)


@dataclass(frozen=True)
class Truncation:
    method: str = "none"  # none | latent (the server scales z) | input (the head takes `truncation`)
    default: float = 1.0


@dataclass
class Cut:
    """A generator cut at one split point.

    head: (z[, truncation]) -> features, *aux      tail: (features, *aux) -> image
    """

    name: str
    head: torch.nn.Module
    tail: torch.nn.Module
    aux: List[str]

    def __post_init__(self):
        # In eval mode, and kept there: torch.onnx.export restores the mode a module had, and a new
        # wrapper module is in training mode, which would put the whole generator in it afterwards
        # (NVlabs' mapping then updates w̄ on every call, batch norms their statistics).
        self.head.eval()
        self.tail.eval()


class Exportable:
    """A generator as the exporter sees it. Subclasses set the attributes and implement the methods."""

    family = "generic"
    module: torch.nn.Module  # the user's generator
    latent: Latent
    truncation: Truncation
    image_range: Optional[Tuple[float, float]] = None  # None: not known from the architecture

    def state_bytes(self) -> int:
        """Bytes of the generator's parameters and buffers as float32: what a checkpoint of it holds."""
        return 4 * sum(t.numel() for t in self.module.state_dict().values() if t.is_floating_point())

    def split_shapes(self) -> List[Tuple[str, Tuple[int, ...], str]]:
        """Every split point in generator order: (name, per-sample output shape, note)."""
        raise NotImplementedError

    def cut(self, name: str) -> Cut:
        raise NotImplementedError

    def reference(self, z: torch.Tensor, psi: Optional[float]) -> torch.Tensor:
        """The whole generator as its authors run it; psi is given only for truncation method `input`."""
        raise NotImplementedError
