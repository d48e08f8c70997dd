"""Check that head∘tail reproduces the full generator, and measure what the manifest needs."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch

from .errors import ExportError, first_line
from .generator import Cut, Exportable


@dataclass
class CutReport:
    name: str
    feature_shape: Tuple[int, ...]  # C, H, W
    aux_shapes: Dict[str, Tuple[int, ...]] = field(default_factory=dict)  # per sample
    max_abs_diff: float = 0.0
    image_shape: Tuple[int, ...] = ()  # channels, height, width
    image_min: float = 0.0
    image_max: float = 0.0


def head_args(gen: Exportable, z: torch.Tensor, psi: Optional[float]):
    return (z,) if psi is None else (z, torch.tensor([psi], dtype=torch.float32))


def truncations(gen: Exportable) -> List[Optional[float]]:
    """Values of ψ to check: a head with a `truncation` input is checked with and without truncation."""
    if gen.truncation.method != "input":
        return [None]
    return sorted({gen.truncation.default, 1.0})


# Samples per forward pass: at 1024 px one NVlabs upsampling layer holds a [N, 64, 2048, 2048] float32
# tensor on the CPU (1 GiB per sample; StyleGAN3-R, with twice the channels and 4× upsampling inside its
# filtered activations, several GiB), so the check runs one sample at a time.
CHUNK = 1


def _in_chunks(run, z: torch.Tensor) -> torch.Tensor:
    return torch.cat([run(z[i: i + CHUNK]) for i in range(0, z.shape[0], CHUNK)])


class References:
    """The full generator's images for the check's latents, computed once for every split. Where the head
    takes ψ, the latents are shared out between the values of ψ checked: each path is exercised, and a
    1024-px generator runs `samples` images per check, not twice as many."""

    def __init__(self, gen: Exportable, samples: int = 8, seed: int = 0):
        psis = truncations(gen)
        z = gen.latent.sample(max(samples, len(psis)), seed)
        with torch.no_grad():
            self.checks = [(psi, part, _in_chunks(lambda x: gen.reference(x, psi), part))
                           for psi, part in zip(psis, torch.tensor_split(z, len(psis)))]


def verify_cut(gen: Exportable, cut: Cut, references: References, tolerance: float = 1e-4) -> CutReport:
    report = None
    for psi, z, reference in references.checks:
        crossing = []  # what the head hands the tail, for its shapes

        def head_tail(z):
            outputs = cut.head(*head_args(gen, z, psi))
            outputs = tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)
            crossing[:] = outputs
            return cut.tail(*outputs)

        with torch.no_grad():
            try:
                image = _in_chunks(head_tail, z)
            except Exception as e:
                raise ExportError(f"running head and tail of '{cut.name}' failed: "
                                  f"{type(e).__name__}: {first_line(e)}") from e
        features, aux = crossing[0], crossing[1:]
        if features.dim() != 4:
            raise ExportError(f"split '{cut.name}' gives features of shape {list(features.shape)}, "
                              "not N×C×H×W")
        if len(aux) != len(cut.aux):
            raise ExportError(f"the head of '{cut.name}' returns {len(aux)} auxiliary tensors, "
                              f"expected {len(cut.aux)}")
        if image.shape != reference.shape:
            raise ExportError(f"head∘tail at '{cut.name}' gives an image of shape {list(image.shape)}, "
                              f"the full generator {list(reference.shape)}")
        diff = (image - reference).abs().max().item()
        if not diff <= tolerance:  # also catches NaN
            raise ExportError(f"head∘tail at '{cut.name}' differs from the full generator by {diff:.3g} "
                              f"(limit {tolerance:g})")
        if report is None:
            report = CutReport(cut.name, tuple(features.shape[1:]),
                               {n: tuple(t.shape[1:]) for n, t in zip(cut.aux, aux)},
                               image_shape=tuple(reference.shape[1:]),
                               image_min=reference.min().item(), image_max=reference.max().item())
        report.max_abs_diff = max(report.max_abs_diff, diff)
    return report
