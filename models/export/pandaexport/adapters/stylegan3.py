"""StyleGAN3 as in NVlabs/stylegan3 (training/networks_stylegan3.py, Generator): mapping(z, c) → ws
[N, num_ws, w_dim] → synthesis.input(ws[:, 0]) → synthesis layers (layer_names, each reading its
own ws row) → × output_scale. Split points: `input` and the synthesis layers by name (L0_36_512, ...).

Auxiliary tensor: `w` [num_ws, w_dim]. Truncation is `input`, with w̄ = mapping.w_avg.
Two of NVlabs' ops do not export as they are, so head and tail run with stand-ins of equal maths:
modulated_conv2d (a grouped convolution with groups=batch freezes the batch size into the graph)
and affine_grid (no ONNX operator at opset 17)."""
import contextlib

import torch
import torch.nn.functional as F

from ..generator import Latent, Truncation
from . import nvlabs
from .staged import StagedGenerator, Step, one_hot, require, truncate


def batch_free_modulated_conv2d(x, w, s, demodulate=True, padding=0, input_gain=None):
    """NVlabs' modulated_conv2d, modulating activations instead of per-sample weights."""
    if demodulate:
        w = w * w.square().mean([1, 2, 3], keepdim=True).rsqrt()
        # NVlabs normalises s over the whole batch; any per-sample scale cancels in demodulation.
        s = s * s.square().mean(dim=1, keepdim=True).rsqrt()
    scale = s if input_gain is None else s * input_gain
    y = F.conv2d(x * scale.unsqueeze(2).unsqueeze(3), w, padding=padding)
    if demodulate:
        dcoefs = ((w.unsqueeze(0) * s.unsqueeze(1).unsqueeze(3).unsqueeze(4)).square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
        y = y * dcoefs.unsqueeze(2).unsqueeze(3)
    return y


def affine_grid(theta, size, align_corners=False):
    """torch.nn.functional.affine_grid for 2-D grids, from ops that ONNX has."""
    n, _, h, w = size

    def axis(count):
        steps = torch.arange(count, dtype=theta.dtype)
        if align_corners:
            return steps * (2.0 / max(count - 1, 1)) - 1
        return (steps * 2 + 1) / count - 1

    ys, xs = torch.meshgrid(axis(h), axis(w), indexing="ij")
    base = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1).reshape(1, h * w, 3)
    return (base @ theta.transpose(1, 2)).reshape(theta.shape[0], h, w, 2)


class StyleGAN3(StagedGenerator):
    family = "stylegan3"
    aux = ("w",)

    def __init__(self, g, extras, options):
        super().__init__(g)
        require(g, self.family, ["mapping", "synthesis", "z_dim", "c_dim", "img_resolution"],
                "NVlabs' stylegan3 Generator")
        require(g.synthesis, self.family, ["input", "layer_names", "output_scale"],
                "NVlabs' stylegan3 SynthesisNetwork")
        self.class_index = options.class_index
        self.activation_group_bytes = options.activation_group_bytes or nvlabs.FILTERED_LRELU_CHUNK_BYTES
        self.latent = Latent(g.z_dim, "normal")
        self.truncation = Truncation("input", 0.7 if options.truncation is None else options.truncation)
        self.image_range = (-1.0, 1.0)
        names = list(g.synthesis.layer_names)
        # The last layer is ToRGB: its output is the image, so it is no split point.
        self.steps = [Step("input", self._input)] + [Step(n, self._layer(n, i + 1)) for i, n in enumerate(names[:-1])]
        self._torgb = self._layer(names[-1], len(names))

    def _labels(self, z):
        return one_hot(z, self.class_index, self.module.c_dim, self.family) if self.module.c_dim else None

    def _input(self, state):
        return {**state, "x": self.module.synthesis.input(state["w"][:, 0])}

    def _layer(self, name, wi):
        def run(state):
            layer = getattr(self.module.synthesis, name)
            return {**state, "x": layer(state["x"], state["w"][:, wi], force_fp32=True)}
        return run

    def start(self, z, psi):
        ws = self.module.mapping(z, self._labels(z), truncation_psi=1)
        return {"x": None, "w": truncate(ws, self.module.mapping.w_avg, psi)}

    def finish(self, state):
        x = self._torgb(state)["x"]
        scale = self.module.synthesis.output_scale
        return (x if scale == 1 else x * scale).float()

    @contextlib.contextmanager
    def exporting(self):
        modules = {nvlabs.code_module(m) for m in self.module.synthesis.modules()}
        patched = [(m, m.modulated_conv2d) for m in modules if hasattr(m, "modulated_conv2d")]
        original_grid = F.affine_grid
        for m, _ in patched:
            m.modulated_conv2d = batch_free_modulated_conv2d
        torch.nn.functional.affine_grid = affine_grid
        try:
            with nvlabs.exportable_ops(self.module.synthesis, self.activation_group_bytes):
                yield
        finally:
            for m, fn in patched:
                m.modulated_conv2d = fn
            torch.nn.functional.affine_grid = original_grid

    def reference(self, z, psi):
        # NVlabs' own network, but with the exporter's upfirdn2d: the same sums (equal to the bit to NVlabs'
        # reference in the tests) without filtering inserted zeros, which on the CPU is hours per 1024 export's
        # checks. modulated_conv2d and affine_grid stay NVlabs' own, so head∘tail still checks their stand-ins.
        with nvlabs.exportable_ops(self.module.synthesis, self.activation_group_bytes):
            return self.nvlabs_images(z, psi)

    def nvlabs_images(self, z, psi):
        """NVlabs' network as it is, its CPU reference ops included (they filter every inserted zero: hours per
        1024-px image, a second for the tests' small generators)."""
        return self.module(z, self._labels(z), truncation_psi=1 if psi is None else psi, noise_mode="const",
                           force_fp32=True)
