"""StyleGAN2, from either public code base:
- rosinality/stylegan2-pytorch (model.py, Generator): style → input → conv1 → convs[0..], with to_rgb1 /
  to_rgbs adding up an RGB skip image. Split points: conv1, convs.0, convs.1, ... (state_dict names).
- NVlabs stylegan2-ada-pytorch / stylegan3 (training/networks_stylegan2.py, Generator): mapping →
  synthesis blocks b4, b8, ... of conv0 (upsampling), conv1 and torgb. Split points: b4.conv1,
  b8.conv0, b8.conv1, ...
Both forwards take lists or draw noise at random, so fx cannot cut them.

Auxiliary tensors: `w` [num_ws, w_dim], and `skip` [3, size, size]: the RGB image summed so far,
already upsampled by the upsamplers of the ToRGBs left to the tail (they are linear, so the head can do
it), which keeps one auxiliary shape for every split. A ToRGB reading a split's feature map belongs to
the tail, so that edits of the features reach the image through it. Truncation is `input`: the head
takes ψ and computes w = w̄ + ψ(w − w̄)."""
import contextlib

import torch

from ..generator import Latent, Truncation
from . import nvlabs
from .staged import StagedGenerator, Step, one_hot, require, truncate


class _StyleGAN2(StagedGenerator):
    family = "stylegan2"
    aux = ("w", "skip")

    def __init__(self, g, options, z_dim, size, w_avg):
        super().__init__(g)
        self.latent = Latent(z_dim, "normal")
        self.truncation = Truncation("input", 0.7 if options.truncation is None else options.truncation)
        self.image_range = (-1.0, 1.0)
        self.size, self.w_avg = size, w_avg

    def _chain(self, layers, last_rgb):
        """layers: (name, conv(x, w) -> x, rgb) in order, where rgb is the ToRGB reading the previous
        layer's output as (add(x, w, skip) -> skip, upsample(skip) -> skip), or None."""
        self.steps = [Step(name, self._layer(conv, rgb)) for name, conv, rgb in layers]
        self._last_rgb = last_rgb
        rgbs = [rgb for _, _, rgb in layers] + [last_rgb]
        self._tail_upsamplers = [[r[1] for r in rgbs[k + 1:] if r is not None and r[1] is not None]
                                 for k in range(len(layers))]

    @staticmethod
    def _layer(conv, rgb):
        def run(state):
            skip = state["skip"] if rgb is None else rgb[0](state["x"], state["w"], state["skip"])
            return {**state, "x": conv(state["x"], state["w"]), "skip": skip}
        return run

    def aux_out(self, state, k):
        x, skip = state["x"], state["skip"]
        if skip is None:  # split before the first ToRGB
            return [state["w"], x.new_zeros((x.shape[0], 3, self.size, self.size))]
        for upsample in self._tail_upsamplers[k]:
            skip = upsample(skip)
        return [state["w"], skip]

    def aux_in(self, features, aux, k):
        w, skip_image = aux
        return {"x": features, "w": w, "skip": None, "skip_image": skip_image}

    def finish(self, state):
        return self._last_rgb[0](state["x"], state["w"], state["skip"]) + state["skip_image"]


class RosinalityStyleGAN2(_StyleGAN2):
    def __init__(self, g, extras, options):
        require(g, self.family, ["style", "input", "conv1", "to_rgb1", "convs", "to_rgbs", "noises",
                                 "n_latent", "style_dim", "size"], "rosinality's stylegan2-pytorch Generator")
        with torch.no_grad():
            latent_avg = extras.get("latent_avg")
            w_avg = (latent_avg.reshape(-1).float() if torch.is_tensor(latent_avg)
                     else g.style(torch.randn(4096, g.style_dim)).mean(0))
        super().__init__(g, options, g.style_dim, g.size, w_avg)

        def conv(module, wi, noise):
            return lambda x, w: module(x, w[:, wi], noise=getattr(g.noises, noise))

        def rgb(module, wi):
            return (lambda x, w, skip: module(x, w[:, wi], skip)), getattr(module, "upsample", None)

        layers = [("conv1", conv(g.conv1, 0, "noise_0"), None)]
        for j, module in enumerate(g.convs):
            # to_rgb1 reads conv1, to_rgbs[i] the second conv of resolution i; each reads w[:, j + 1]
            reads = g.to_rgb1 if j == 0 else (g.to_rgbs[j // 2 - 1] if j % 2 == 0 else None)
            layers.append((f"convs.{j}", conv(module, j + 1, f"noise_{j + 1}"),
                           None if reads is None else rgb(reads, j + 1)))
        self._chain(layers, rgb(g.to_rgbs[-1], g.n_latent - 1))

    def start(self, z, psi):
        g = self.module
        w = truncate(g.style(z), self.w_avg, psi).unsqueeze(1).repeat(1, g.n_latent, 1)
        return {"x": g.input(w), "w": w, "skip": None}

    @contextlib.contextmanager
    def exporting(self):
        # Fused modulated convolutions group by batch (groups=batch) and would freeze the batch size
        # into the ONNX graph; rosinality's unfused path computes the same without that.
        convs = [m for m in self.module.modules() if getattr(m, "fused", None) is True]
        for m in convs:
            m.fused = False
        try:
            yield
        finally:
            for m in convs:
                m.fused = True

    def reference(self, z, psi):
        return self.module([z], truncation=1 if psi is None else psi,
                           truncation_latent=self.w_avg, randomize_noise=False)[0]


class NVlabsStyleGAN2(_StyleGAN2):
    # Constant noise, the unfused modulated convolution (it does not group by batch), and float32 in the
    # blocks that run float16 on a GPU (the bundle is float32).
    layer_kwargs = {"noise_mode": "const", "fused_modconv": False}

    def __init__(self, g, extras, options):
        require(g, self.family, ["mapping", "synthesis", "z_dim", "c_dim", "img_resolution"],
                "NVlabs' networks_stylegan2 Generator")
        super().__init__(g, options, g.z_dim, g.img_resolution, g.mapping.w_avg)
        self.class_index = options.class_index
        self._upfirdn2d = nvlabs.code_module(g.synthesis).upfirdn2d
        layers, pending, wi = [], None, 0
        blocks = [getattr(g.synthesis, f"b{res}") for res in g.synthesis.block_resolutions]
        for block in blocks:
            if block.architecture == "resnet":
                # The residual branch reads the block's input, so a resnet block is cut whole: its
                # output is the split point, and the last block (which holds the ToRGB) is the finish.
                if block.is_last:
                    pending = (self._whole_block(block, wi, image=True), None)
                else:
                    layers.append((f"b{block.resolution}", self._whole_block(block, wi, image=False), None))
                wi += block.num_conv + block.num_torgb
                continue
            convs = (["conv0"] if block.in_channels else []) + ["conv1"]
            for k, name in enumerate(convs):
                const = block.const if block.in_channels == 0 else None
                layers.append((f"b{block.resolution}.{name}", self._conv(getattr(block, name), wi, const),
                               pending if k == 0 else None))
                wi += 1
            pending = self._rgb(block, wi) if hasattr(block, "torgb") else None
        self._chain(layers, pending)

    def _conv(self, layer, wi, const):
        def run(x, w):
            if const is not None:  # the first block starts from a learned constant
                x = const.unsqueeze(0).repeat([w.shape[0], 1, 1, 1])
            return layer(x, w[:, wi], **self.layer_kwargs)
        return run

    def _whole_block(self, block, wi, image):
        ws = slice(wi, wi + block.num_conv + block.num_torgb)

        def run(x, w, img=None):
            x, img = block(x, img, w[:, ws], force_fp32=True, **self.layer_kwargs)
            return img if image else x
        return run

    def _rgb(self, block, wi):
        def upsample(img):
            return self._upfirdn2d.upsample2d(img, block.resample_filter)

        def add(x, w, img):
            y = block.torgb(x, w[:, wi], fused_modconv=False)
            return y if img is None else upsample(img) + y
        return add, upsample

    def _labels(self, z):
        return one_hot(z, self.class_index, self.module.c_dim, self.family) if self.module.c_dim else None

    def start(self, z, psi):
        ws = self.module.mapping(z, self._labels(z), truncation_psi=1)
        return {"x": None, "w": truncate(ws, self.w_avg, psi), "skip": None}

    def exporting(self):
        return nvlabs.exportable_ops(self.module.synthesis)

    def reference(self, z, psi):
        return self.module(z, self._labels(z), truncation_psi=1 if psi is None else psi, noise_mode="const",
                           force_fp32=True)


def StyleGAN2(g, extras, options):
    """The adapter for whichever code base the generator comes from."""
    variant = NVlabsStyleGAN2 if hasattr(g, "synthesis") else RosinalityStyleGAN2
    return variant(g, extras, options)
