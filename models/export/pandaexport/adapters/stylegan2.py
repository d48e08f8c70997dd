"""StyleGAN2 as in rosinality/stylegan2-pytorch (model.py, Generator): style (mapping) → input →
conv1 → convs[0..] with to_rgb1/to_rgbs adding up an RGB skip image. Its forward takes a list of
latents and draws noise at random, so fx cannot cut it. Split points are the styled convolutions,
named as in the state_dict: conv1, convs.0, convs.1, ...

Auxiliary tensors: `w` [num_ws, w_dim], and `skip` [3, size, size]: the RGB image summed so far,
already upsampled by the remaining ToRGB upsamplers (they are linear, so the head can do it), which
keeps one auxiliary shape for every split. Truncation is `input`: the head takes ψ and computes
w = w̄ + ψ(w − w̄), with w̄ from the checkpoint's `latent_avg` or estimated from 4096 latents."""
import contextlib

import torch

from ..generator import Latent, Truncation
from .staged import StagedGenerator, Step, require, truncate


class StyleGAN2(StagedGenerator):
    family = "stylegan2"
    aux = ("w", "skip")

    def __init__(self, g, extras, options):
        super().__init__(g)
        require(g, self.family, ["style", "input", "conv1", "to_rgb1", "convs", "to_rgbs", "noises",
                                 "n_latent", "style_dim", "size"], "rosinality's stylegan2-pytorch Generator")
        self.latent = Latent(g.style_dim, "normal")
        self.truncation = Truncation("input", 0.7 if options.truncation is None else options.truncation)
        self.image_range = (-1.0, 1.0)
        with torch.no_grad():
            latent_avg = extras.get("latent_avg")
            self.w_avg = (latent_avg.reshape(-1).float() if torch.is_tensor(latent_avg)
                          else g.style(torch.randn(4096, g.style_dim)).mean(0))

        # (name, conv, its w index, ToRGB reading the previous conv's output, that ToRGB's w index)
        layers = [("conv1", g.conv1, 0, None, None)]
        for j, conv in enumerate(g.convs):
            rgb = g.to_rgb1 if j == 0 else (g.to_rgbs[j // 2 - 1] if j % 2 == 0 else None)
            layers.append((f"convs.{j}", conv, j + 1, rgb, j + 1))
        self.steps = [Step(name, self._layer(conv, wi, f"noise_{i}", rgb, ri))
                      for i, (name, conv, wi, rgb, ri) in enumerate(layers)]
        # The ToRGBs each split leaves to its tail: their upsamplers carry the head's skip image over.
        rgbs = [rgb for *_, rgb, _ in layers] + [g.to_rgbs[-1]]
        self._tail_rgbs = [[r for r in rgbs[k + 1:] if r is not None] for k in range(len(layers))]

    def _layer(self, conv, wi, noise, rgb, ri):
        def run(state):
            x, w, skip = state["x"], state["w"], state["skip"]
            if rgb is not None:  # a ToRGB belongs to the tail of a split at the conv it reads
                skip = rgb(x, w[:, ri], skip)
            x = conv(x, w[:, wi], noise=getattr(self.module.noises, noise))
            return {**state, "x": x, "skip": skip}
        return run

    def start(self, z, psi):
        g = self.module
        w = truncate(g.style(z), self.w_avg, psi)
        w = w.unsqueeze(1).repeat(1, g.n_latent, 1)
        return {"x": g.input(w), "w": w, "skip": None}

    def aux_out(self, state, k):
        skip = state["skip"]
        if skip is None:  # split before the first ToRGB
            x = state["x"]
            return [state["w"], x.new_zeros((x.shape[0], 3, self.module.size, self.module.size))]
        for rgb in self._tail_rgbs[k]:
            if hasattr(rgb, "upsample"):
                skip = rgb.upsample(skip)
        return [state["w"], skip]

    def aux_in(self, features, aux, k):
        w, skip_image = aux
        return {"x": features, "w": w, "skip": None, "skip_image": skip_image}

    def finish(self, state):
        g = self.module
        rgb = g.to_rgbs[-1](state["x"], state["w"][:, g.n_latent - 1], state["skip"])
        return rgb + state["skip_image"]

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
