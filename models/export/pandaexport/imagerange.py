"""The image's value range for the manifest: from the generator's last op when it bounds the output
(tanh, sigmoid, hardtanh, clamp), else from the outputs of a few hundred latents when they clearly
fill [0, 1] or [-1, 1]. Anything else is the user's to say with --range: a guessed range would wash
every image out or clip it."""
from typing import Optional, Tuple

import torch
import torch.fx as fx

from .errors import ExportError
from .generator import Exportable
from .verify import truncations

Range = Tuple[float, float]

RANGE_SAMPLES = 256
_BATCH = 16
_VALUES_PER_IMAGE = 4096  # a seeded subsample keeps the quantiles cheap at any image size
QUANTILES = (0.001, 0.999)  # robust ends: a few overshooting pixels do not decide


def _constant(value) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) else None


def range_of_last_op(node: fx.Node, op: str, module: Optional[torch.nn.Module]) -> Optional[Range]:
    """The range the op producing the image bounds it to, if it does."""
    if op == "tanh":
        return (-1.0, 1.0)
    if op == "sigmoid":
        return (0.0, 1.0)
    if op == "hardtanh":
        if module is not None:
            return (float(module.min_val), float(module.max_val))
        low = _constant(node.kwargs.get("min_val", node.args[1] if len(node.args) > 1 else -1.0))
        high = _constant(node.kwargs.get("max_val", node.args[2] if len(node.args) > 2 else 1.0))
        return (low, high) if low is not None and high is not None else None
    if op in ("clamp", "clip"):
        low = _constant(node.kwargs.get("min", node.args[1] if len(node.args) > 1 else None))
        high = _constant(node.kwargs.get("max", node.args[2] if len(node.args) > 2 else None))
        return (low, high) if low is not None and high is not None and low < high else None
    return None


def classify(low: float, high: float) -> Optional[Range]:
    """[0, 1] or [-1, 1] when the values clearly fill one of them (a little overshoot allowed), else None."""
    if -0.2 <= low < 0.15 and 0.85 < high <= 1.2:
        return (0.0, 1.0)
    if -1.2 <= low < -0.7 and 0.7 < high <= 1.2:
        return (-1.0, 1.0)
    return None


def output_quantiles(gen: Exportable, samples: int = RANGE_SAMPLES, seed: int = 1) -> Range:
    psi = truncations(gen)[0]
    z = gen.latent.sample(samples, seed)
    pick = torch.Generator().manual_seed(seed)
    values = []
    with torch.no_grad():
        for start in range(0, samples, _BATCH):
            images = gen.reference(z[start:start + _BATCH], psi)
            flat = images.reshape(images.shape[0], -1)
            if flat.shape[1] > _VALUES_PER_IMAGE:
                flat = flat[:, torch.randperm(flat.shape[1], generator=pick)[:_VALUES_PER_IMAGE]]
            values.append(flat.flatten())
    low, high = torch.quantile(torch.cat(values).double(), torch.tensor(QUANTILES, dtype=torch.float64)).tolist()
    return low, high


def infer_range(gen: Exportable, samples: int = RANGE_SAMPLES) -> Tuple[Range, str]:
    """The range from the outputs, with a line saying how it was found; refuses when it is not clear."""
    low, high = output_quantiles(gen, samples)
    seen = f"99.8 % of the values of {samples} random images lie in [{low:.2f}, {high:.2f}]"
    found = classify(low, high)
    if found is None:
        raise ExportError(f"cannot tell the image range: the last op does not bound it and {seen}, neither clearly "
                          "[0, 1] nor [-1, 1]; pass it with --range=LOW,HIGH (e.g. --range=-1,1)")
    return found, f"image range [{found[0]:g}, {found[1]:g}] from the outputs ({seen}); set it with --range if wrong"
