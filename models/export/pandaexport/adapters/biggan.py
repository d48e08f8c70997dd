"""BigGAN-deep as in huggingface/pytorch-pretrained-BigGAN (model.py, BigGAN): cond = [z, embeddings(class)]
→ generator.gen_z → generator.layers (GenBlocks reading cond, SelfAttn) → bn, relu, conv_to_rgb, tanh.
Its batch norms pick statistics by the truncation as a Python float, so ψ is fixed at export
(--truncation, default 0.4) and is also the bundle's default `latent` truncation (z′ = ψ·z, as the
model's own truncated_noise_sample). Split points: gen_z, layers.0, layers.1, ...

Auxiliary tensors: `latent` [z_dim] (z, which every block reads) and `class` [num_classes], the class
vector: one-hot for the class fixed with --class K; a tail accepts any class vector."""
import torch
from torch.nn.utils.spectral_norm import SpectralNorm, remove_spectral_norm

from ..generator import Latent, Truncation
from .staged import StagedGenerator, Step, one_hot, require


def _bake_spectral_norm(module):
    """In eval mode spectral norm divides by a fixed σ (no power iteration): bake W = W_orig / σ once,
    so that the graphs hold plain weights instead of recomputing σ in every layer."""
    for m in module.modules():
        for hook in list(m._forward_pre_hooks.values()):
            if isinstance(hook, SpectralNorm):
                remove_spectral_norm(m, hook.name)


class BigGAN(StagedGenerator):
    family = "biggan"
    aux = ("latent", "class")

    def __init__(self, g, extras, options):
        super().__init__(g)
        require(g, self.family, ["embeddings", "generator", "config"], "pytorch-pretrained-BigGAN's BigGAN")
        require(g.generator, self.family, ["gen_z", "layers", "bn", "relu", "conv_to_rgb", "tanh"],
                "pytorch-pretrained-BigGAN's Generator")
        _bake_spectral_norm(g)
        self.class_index = options.class_index
        self.classes = g.config.num_classes
        self.psi = 0.4 if options.truncation is None else options.truncation
        self.latent = Latent(g.config.z_dim, "normal")
        self.truncation = Truncation("latent", self.psi)
        self.image_range = (-1.0, 1.0)
        self.steps = [Step("gen_z", self._gen_z)] + [
            Step(f"layers.{i}", self._layer(layer)) for i, layer in enumerate(g.generator.layers)]

    def _cond(self, latent, classes):
        return torch.cat((latent, self.module.embeddings(classes)), dim=1)

    def _gen_z(self, state):
        g = self.module.generator
        x = g.gen_z(state["cond"])
        # TF-ordered weights: [N, 4, 4, C] → [N, C, 4, 4], as the original does.
        x = x.view(-1, 4, 4, 16 * self.module.config.channel_width).permute(0, 3, 1, 2).contiguous()
        return {**state, "x": x}

    def _layer(self, layer):
        conditioned = hasattr(layer, "bn_0")  # GenBlock reads cond and ψ; SelfAttn does not

        def run(state):
            x = layer(state["x"], state["cond"], self.psi) if conditioned else layer(state["x"])
            return {**state, "x": x}
        return run

    def start(self, z, psi):
        classes = one_hot(z, self.class_index, self.classes, self.family)
        return {"x": None, "latent": z, "class": classes, "cond": self._cond(z, classes)}

    def aux_in(self, features, aux, k):
        latent, classes = aux
        return {"x": features, "latent": latent, "class": classes, "cond": self._cond(latent, classes)}

    def finish(self, state):
        g = self.module.generator
        x = g.conv_to_rgb(g.relu(g.bn(state["x"], self.psi)))
        return g.tanh(x[:, :3, ...])

    def reference(self, z, psi):
        return self.module(z, one_hot(z, self.class_index, self.classes, self.family), self.psi)
