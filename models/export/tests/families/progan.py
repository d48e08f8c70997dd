"""ProGAN in the shape of facebookresearch/pytorch_GAN_zoo's GNet (progressive_conv_net.py)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def num_flat_features(x):
    # Iterating over a shape: the reason torch.fx cannot trace GNet.
    num = 1
    for s in x.size()[1:]:
        num *= s
    return num


def Upscale2d(x, factor=2):
    s = x.size()
    x = x.view(-1, s[1], s[2], 1, s[3], 1).expand(-1, s[1], s[2], factor, s[3], factor)
    return x.contiguous().view(-1, s[1], s[2] * factor, s[3] * factor)


class NormalizationLayer(nn.Module):
    def forward(self, x, epsilon=1e-8):
        return x * ((x ** 2).mean(dim=1, keepdim=True) + epsilon).rsqrt()


class ConstrainedLayer(nn.Module):
    """Equalized learning rate: weights N(0, 1), He's constant applied at run time."""

    def __init__(self, module):
        super().__init__()
        self.module = module
        self.module.bias.data.normal_(0, 0.1)
        self.module.weight.data.normal_(0, 1)
        self.scale = math.sqrt(2.0 / (module.weight[0].numel()))

    def forward(self, x):
        return self.module(x) * self.scale


class EqualizedConv2d(ConstrainedLayer):
    def __init__(self, cin, cout, kernel, padding=0):
        super().__init__(nn.Conv2d(cin, cout, kernel, padding=padding))


class EqualizedLinear(ConstrainedLayer):
    def __init__(self, cin, cout):
        super().__init__(nn.Linear(cin, cout))


class GNet(nn.Module):
    def __init__(self, dimLatent, depthScale0, leakyReluLeak=0.2, dimOutput=3):
        super().__init__()
        self.dimLatent = dimLatent
        self.dimOutput = dimOutput
        self.scalesDepth = [depthScale0]
        self.formatLayer = EqualizedLinear(dimLatent, 16 * depthScale0)
        self.groupScale0 = nn.ModuleList([EqualizedConv2d(depthScale0, depthScale0, 3, padding=1)])
        self.scaleLayers = nn.ModuleList()
        self.toRGBLayers = nn.ModuleList([EqualizedConv2d(depthScale0, dimOutput, 1)])
        self.alpha = 0
        self.leakyRelu = nn.LeakyReLU(leakyReluLeak)
        self.normalizationLayer = NormalizationLayer()
        self.generationActivation = None

    def addScale(self, depthNewScale):
        last = self.scalesDepth[-1]
        self.scalesDepth.append(depthNewScale)
        self.scaleLayers.append(nn.ModuleList([EqualizedConv2d(last, depthNewScale, 3, padding=1),
                                               EqualizedConv2d(depthNewScale, depthNewScale, 3, padding=1)]))
        self.toRGBLayers.append(EqualizedConv2d(depthNewScale, self.dimOutput, 1))

    def forward(self, x):
        x = self.normalizationLayer(x)
        x = x.view(-1, num_flat_features(x))
        x = self.leakyRelu(self.formatLayer(x))
        x = x.view(x.size()[0], -1, 4, 4)
        x = self.normalizationLayer(x)
        for conv in self.groupScale0:
            x = self.normalizationLayer(self.leakyRelu(conv(x)))
        if self.alpha > 0 and len(self.scaleLayers) == 1:
            y = Upscale2d(self.toRGBLayers[-2](x))
        for scale, group in enumerate(self.scaleLayers):
            x = Upscale2d(x)
            for conv in group:
                x = self.normalizationLayer(self.leakyRelu(conv(x)))
            if self.alpha > 0 and scale == len(self.scaleLayers) - 2:
                y = Upscale2d(self.toRGBLayers[-2](x))
        x = self.toRGBLayers[-1](x)
        if self.alpha > 0:
            x = self.alpha * y + (1.0 - self.alpha) * x
        return x


def build(dimLatent=16, depths=(16, 16, 8)):
    """A grown GNet: scale 0 at 4×4, then one scale per further depth (4 → 16×16 here)."""
    g = GNet(dimLatent, depths[0])
    for depth in depths[1:]:
        g.addScale(depth)
    return g
