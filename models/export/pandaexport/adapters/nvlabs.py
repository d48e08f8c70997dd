"""What NVlabs' code bases (stylegan2-ada-pytorch, stylegan3) share and the adapters must know:

- Classes wrapped by `@persistence.persistent_class` are subclasses defined in torch_utils.persistence,
  and when unpickled their code lives in a module made from source (`_imported_module_<uuid>`): the
  ops a network calls are found through the module that defines its forward, not type(m).__module__.
- On CPU, `upfirdn2d` runs its reference implementation, which builds the filter kernel with
  `.repeat([num_channels, ...])` from `x.shape`: traced for ONNX the convolution's kernel has no
  static shape ("kernel of unknown shape"). While exporting it is replaced by the same maths with the
  channel count read as a constant and a free batch axis, downsampling as a strided convolution and
  upsampling as a polyphase transposed convolution (NVlabs filters the inserted zeros too: ~160 CPU-s
  per StyleGAN3 image on two cores).
- StyleGAN3's `filtered_lrelu` (bias, upsample, leaky ReLU, downsample) runs on the CPU as
  `_filtered_lrelu_ref`, whose upsampled map is 2.9 GB per sample in a 1024-px StyleGAN3-R (and held
  twice or more); while exporting the same ops run on groups of channels (`_lean_filtered_lrelu_ref`)."""
import contextlib
import importlib
import importlib.util
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


def _transposed_upsample(x, w, up_y, up_x):
    """conv_transpose2d(x, w, stride=(up_y, up_x)) per channel (w [Ky, Kx], the same for every channel), in
    polyphase form: each of the up_y·up_x output phases is an ordinary convolution of the input with every
    up-th tap, and the phases are interleaved. That is NVlabs' zero-insertion upsampling followed by the
    filter, without filtering the inserted zeros (up² times fewer multiplies, and only Conv, Reshape and
    Transpose in the graph). Output [N, C, (H + Ly - 1)·up_y, (W + Lx - 1)·up_x] with L = ceil(K / up)."""
    channels, height, width = (int(d) for d in x.shape[1:])
    ky, kx = (int(d) for d in w.shape)
    ly, lx = -(-ky // up_y), -(-kx // up_x)
    w = F.pad(w, [0, lx * up_x - kx, 0, ly * up_y - ky])
    # phase (ry, rx) takes w[iy·up_y + ry, ix·up_x + rx]; a convolution, so flipped for conv2d's correlation
    phases = w.reshape(ly, up_y, lx, up_x).permute(1, 3, 0, 2).flip([2, 3]).reshape(up_y * up_x, 1, ly, lx)
    y = F.conv2d(x, phases.repeat([channels, 1, 1, 1]), padding=(ly - 1, lx - 1), groups=channels)
    qy, qx = height + ly - 1, width + lx - 1
    y = y.reshape([-1, channels, up_y, up_x, qy, qx]).permute(0, 1, 4, 2, 5, 3)
    return y.reshape([-1, channels, qy * up_y, qx * up_x])


def _window(x, axis, start, length):
    """x[..., start : start + length] along `axis` (2 or 3), zeros where that runs outside x."""
    size = int(x.shape[axis])
    before, after = max(-start, 0), max(start + length - size, 0)
    x = x.narrow(axis, max(start, 0), min(start + length, size) - max(start, 0))
    if before or after:
        x = F.pad(x, [before, after, 0, 0] if axis == 3 else [0, 0, before, after])
    return x


def _static_upfirdn2d_ref(ops):
    """NVlabs' _upfirdn2d_ref (same arguments, same maths) with static channels and a free batch axis."""

    def upfirdn2d_ref(x, f, up=1, down=1, padding=0, flip_filter=False, gain=1):
        if f is None:
            f = torch.ones([1, 1], dtype=torch.float32, device=x.device)
        channels, height, width = (int(d) for d in x.shape[1:])  # constants of the graph
        upx, upy = ops._parse_scaling(up)
        downx, downy = ops._parse_scaling(down)
        padx0, padx1, pady0, pady1 = ops._parse_padding(padding)
        f = (f * (gain ** (f.ndim / 2))).to(x.dtype)
        if upx > 1 or upy > 1:
            # NVlabs inserts up-1 zeros after every pixel, pads, and correlates with the flipped filter: that is
            # the transposed convolution with the filter itself, read from K-1-pad0 on (zeros beyond its ends).
            w = f.flip(list(range(f.ndim))) if flip_filter else f
            if w.ndim == 1:  # separable: along x, then along y
                x = _transposed_upsample(x, w.unsqueeze(0), 1, upx)
                x = _transposed_upsample(x, w.unsqueeze(1), upy, 1)
                kx = ky = int(w.shape[0])
            else:
                x = _transposed_upsample(x, w, upy, upx)
                ky, kx = (int(d) for d in w.shape)
            x = _window(x, 3, kx - 1 - padx0, width * upx + padx0 + padx1 - kx + 1)
            x = _window(x, 2, ky - 1 - pady0, height * upy + pady0 + pady1 - ky + 1)
            return x[:, :, ::downy, ::downx] if downx > 1 or downy > 1 else x
        x = F.pad(x, [max(padx0, 0), max(padx1, 0), max(pady0, 0), max(pady1, 0)])
        height, width = height + max(pady0, 0) + max(pady1, 0), width + max(padx0, 0) + max(padx1, 0)
        x = x[:, :, max(-pady0, 0): height - max(-pady1, 0), max(-padx0, 0): width - max(-padx1, 0)]
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


# Bytes of one sample's upsampled map that the export's filtered_lrelu computes at once (see below; the
# exporter's --activation-group-mib).
FILTERED_LRELU_CHUNK_BYTES = 256 << 20


def _lean_filtered_lrelu_ref(ops, upfirdn2d_ops, chunk_bytes: int = FILTERED_LRELU_CHUNK_BYTES):
    """NVlabs' _filtered_lrelu_ref (bias, upsample, leaky ReLU × gain, clamp, downsample: the same ops in the
    same order), a group of channels at a time. Every op of it is per channel, and its upsampled map is the
    largest tensor of a StyleGAN3: 2.9 GB per sample in a 1024-px StyleGAN3-R's L10 (161 channels at
    2148×2098), held two or three times over by the upsampling's interleave and NVlabs' nested calls. In
    groups of channels whose upsampled map stays under chunk_bytes per sample, the peak is a few of those
    (the graph gets one branch per group, split and concatenated along the channels; the group count depends
    on the per-sample shape only, so the graph stays batch-free), in the export and in ONNX Runtime alike."""

    def one_group(x, fu, fd, b, up, down, pad, gain, slope, clamp, flip_filter):
        if b is not None:
            x = x + b.reshape([1, -1, 1, 1])
        x = upfirdn2d_ops.upfirdn2d(x=x, f=fu, up=up, padding=pad, gain=up ** 2, flip_filter=flip_filter)
        x = F.leaky_relu(x, slope)
        if gain != 1:
            x = x * gain
        if clamp >= 0:
            x = x.clamp(-clamp, clamp)
        return upfirdn2d_ops.upfirdn2d(x=x, f=fd, down=down, flip_filter=flip_filter)

    def filtered_lrelu_ref(x, fu=None, fd=None, b=None, up=1, down=1, padding=0, gain=np.sqrt(2), slope=0.2,
                           clamp=None, flip_filter=False):
        px0, px1, py0, py1 = ops._parse_padding(padding)
        args = (up, down, [px0, px1, py0, py1], float(gain), float(slope), float(-1 if clamp is None else clamp),
                flip_filter)
        channels, height, width = (int(d) for d in x.shape[1:])
        upsampled = 4 * channels * (height * up + py0 + py1) * (width * up + px0 + px1)
        group = max(1, -(-channels // -(-upsampled // chunk_bytes)))  # channels per group
        if group >= channels:
            return one_group(x, fu, fd, b, *args)
        return torch.cat([one_group(x[:, c: c + group], fu, fd, None if b is None else b[c: c + group], *args)
                          for c in range(0, channels, group)], dim=1)

    return filtered_lrelu_ref


@contextlib.contextmanager
def _replaced(module: types.ModuleType, name: str, value) -> Iterator[None]:
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


@contextlib.contextmanager
def exportable_ops(module: torch.nn.Module, group_bytes: int = FILTERED_LRELU_CHUNK_BYTES) -> Iterator[None]:
    """Within: the network's NVlabs ops trace to ONNX with static kernel shapes (and StyleGAN3's filtered
    activation holds fewer full-size maps at once: groups of channels of at most group_bytes per sample)."""
    ops = torch_utils_module(module, "ops.upfirdn2d")
    if ops is None:
        yield
        return
    with contextlib.ExitStack() as stack:
        stack.enter_context(_replaced(ops, "_upfirdn2d_ref", _static_upfirdn2d_ref(ops)))
        if importlib.util.find_spec(f"{ops.__name__.rpartition('.')[0]}.filtered_lrelu") is not None:  # stylegan3
            lrelu = torch_utils_module(module, "ops.filtered_lrelu")
            stack.enter_context(_replaced(lrelu, "_filtered_lrelu_ref", _lean_filtered_lrelu_ref(lrelu, ops, group_bytes)))
        yield
