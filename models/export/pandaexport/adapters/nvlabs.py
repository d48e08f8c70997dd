"""What NVlabs' code bases (stylegan2-ada-pytorch, stylegan3) share and the adapters must know:

- Classes wrapped by `@persistence.persistent_class` are subclasses defined in torch_utils.persistence,
  and when unpickled their code lives in a module made from source (`_imported_module_<uuid>`): the
  ops a network calls are found through the module that defines its forward, not type(m).__module__.
- On CPU, `upfirdn2d` runs its reference implementation, which builds the filter kernel with
  `.repeat([num_channels, ...])` from `x.shape`: traced for ONNX the convolution's kernel has no
  static shape ("kernel of unknown shape"). While exporting it is replaced by the same maths with the
  channel count read as a constant and a free batch axis (and downsampling as a strided convolution)."""
import contextlib
import importlib
import sys
import types
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F


def code_module(module: torch.nn.Module) -> types.ModuleType:
    """The Python module whose code defines this network's forward (and whose globals it calls)."""
    return sys.modules[type(module).forward.__module__]


def torch_utils_module(module: torch.nn.Module, name: str):
    """torch_utils.<name> of the checkout the network's code imports (e.g. 'ops.upfirdn2d'), or None
    for code that does not use NVlabs' torch_utils."""
    misc = getattr(code_module(module), "misc", None)
    if not isinstance(misc, types.ModuleType) or not misc.__name__.endswith(".misc"):
        return None
    return importlib.import_module(f"{misc.__name__[: -len('.misc')]}.{name}")


def _static_upfirdn2d_ref(ops):
    """NVlabs' _upfirdn2d_ref (same arguments, same maths) with static channels and a free batch axis."""

    def upfirdn2d_ref(x, f, up=1, down=1, padding=0, flip_filter=False, gain=1):
        if f is None:
            f = torch.ones([1, 1], dtype=torch.float32, device=x.device)
        channels, height, width = (int(d) for d in x.shape[1:])  # constants of the graph
        upx, upy = ops._parse_scaling(up)
        downx, downy = ops._parse_scaling(down)
        padx0, padx1, pady0, pady1 = ops._parse_padding(padding)
        x = x.reshape([-1, channels, height, 1, width, 1])
        x = F.pad(x, [0, upx - 1, 0, 0, 0, upy - 1])
        height, width = height * upy, width * upx
        x = x.reshape([-1, channels, height, width])
        x = F.pad(x, [max(padx0, 0), max(padx1, 0), max(pady0, 0), max(pady1, 0)])
        height, width = height + max(pady0, 0) + max(pady1, 0), width + max(padx0, 0) + max(padx1, 0)
        x = x[:, :, max(-pady0, 0): height - max(-pady1, 0), max(-padx0, 0): width - max(-padx1, 0)]
        f = (f * (gain ** (f.ndim / 2))).to(x.dtype)
        if not flip_filter:
            f = f.flip(list(range(f.ndim)))
        f = f[np.newaxis, np.newaxis].repeat([channels, 1] + [1] * f.ndim)
        # NVlabs filters every pixel and then keeps every down-th; a strided convolution computes only the
        # kept ones (the same sums): StyleGAN3's filtered activations downsample from 2–4× the layer's size,
        # so this saves most of their time and the largest temporaries, in the export and in ONNX Runtime.
        if f.ndim == 4:
            return F.conv2d(x, f, groups=channels, stride=(downy, downx))
        x = F.conv2d(x, f.unsqueeze(2), groups=channels, stride=(1, downx))  # along x
        return F.conv2d(x, f.unsqueeze(3), groups=channels, stride=(downy, 1))  # along y

    return upfirdn2d_ref


@contextlib.contextmanager
def exportable_ops(module: torch.nn.Module) -> Iterator[None]:
    """Within: the network's NVlabs ops trace to ONNX with static kernel shapes."""
    ops = torch_utils_module(module, "ops.upfirdn2d")
    if ops is None:
        yield
        return
    original = ops._upfirdn2d_ref
    ops._upfirdn2d_ref = _static_upfirdn2d_ref(ops)
    try:
        yield
    finally:
        ops._upfirdn2d_ref = original
