"""ProGAN / PGGAN as in facebookresearch/pytorch_GAN_zoo (models/networks/progressive_conv_net.py, GNet):
formatLayer → groupScale0 convs → per scale: 2× nearest upscale and scaleLayers[s] convs → toRGBLayers[-1].
fx cannot trace GNet (num_flat_features iterates over a shape). Split points are the convolutions,
named as in the state_dict: groupScale0.0, scaleLayers.0.0, scaleLayers.0.1, ..."""
import torch.nn.functional as F

from ..errors import ExportError
from ..generator import Latent, Truncation
from .staged import StagedGenerator, Step, require


class ProGAN(StagedGenerator):
    family = "progan"

    def __init__(self, g, extras, options):
        super().__init__(g)
        require(g, self.family, ["formatLayer", "groupScale0", "scaleLayers", "toRGBLayers", "leakyRelu",
                                 "normalizationLayer", "dimLatent", "alpha"], "pytorch_GAN_zoo's GNet")
        if g.alpha:
            raise ExportError(f"this ProGAN is halfway through growing (alpha {g.alpha}); export a fully "
                              "grown generator (alpha 0)")
        self.latent = Latent(g.dimLatent, "normal")
        self.truncation = Truncation("latent", 1.0 if options.truncation is None else options.truncation)
        self.image_range = (-1.0, 1.0)
        for j, conv in enumerate(g.groupScale0):
            self.steps.append(Step(f"groupScale0.{j}", self._conv(conv, upscale=False)))
        for s, group in enumerate(g.scaleLayers):
            for j, conv in enumerate(group):
                self.steps.append(Step(f"scaleLayers.{s}.{j}", self._conv(conv, upscale=j == 0)))

    def _normalize(self, x):
        norm = self.module.normalizationLayer
        return x if norm is None else norm(x)

    def _conv(self, conv, upscale):
        def run(state):
            x = state["x"]
            if upscale:  # GAN zoo's Upscale2d: each pixel repeated 2×2
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            return {"x": self._normalize(self.module.leakyRelu(conv(x)))}
        return run

    def start(self, z, psi):
        g = self.module
        x = self._normalize(z).reshape(z.shape[0], -1)
        x = g.leakyRelu(g.formatLayer(x))
        return {"x": self._normalize(x.view(x.shape[0], -1, 4, 4))}

    def finish(self, state):
        x = self.module.toRGBLayers[-1](state["x"])
        activation = getattr(self.module, "generationActivation", None)
        return x if activation is None else activation(x)

    def reference(self, z, psi):
        return self.module(z)
