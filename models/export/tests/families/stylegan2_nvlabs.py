"""StyleGAN2 in the shape of NVlabs' networks_stylegan2.Generator (stylegan2-ada-pytorch, stylegan3):
mapping with w_avg, synthesis blocks b4, b8, ... with conv0 (up), conv1, torgb and the skip image
upsampled by `upfirdn2d.upsample2d`, a modulated convolution with fused (groups=batch) and unfused paths,
constant noise buffers. The resampling inside conv0 is reduced to a nearest upsample."""
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .stylegan2 import make_kernel, upfirdn2d as _upfirdn2d
from .stylegan3 import FullyConnectedLayer, MappingNetwork


def _upsample2d(x, f, up=2):
    return _upfirdn2d(x, f * up ** 2, up=up, pad=(2, 1))


# NVlabs reaches its ops through a module-level `upfirdn2d` (torch_utils.ops.upfirdn2d).
upfirdn2d = types.SimpleNamespace(upsample2d=_upsample2d, setup_filter=make_kernel)


def modulated_conv2d(x, weight, styles, noise=None, up=1, padding=0, demodulate=True, fused_modconv=True):
    batch_size = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    w = weight.unsqueeze(0) * styles.reshape(batch_size, 1, -1, 1, 1)
    dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt() if demodulate else None
    if up > 1:
        x = F.interpolate(x, scale_factor=up, mode="nearest")
    if not fused_modconv:  # modulate activations: batch-independent
        x = F.conv2d(x * styles.reshape(batch_size, -1, 1, 1), weight, padding=padding)
        if demodulate:
            x = x * dcoefs.reshape(batch_size, -1, 1, 1)
        return x if noise is None else x + noise
    if demodulate:
        w = w * dcoefs.reshape(batch_size, -1, 1, 1, 1)
    x = F.conv2d(x.reshape(1, -1, *x.shape[2:]), w.reshape(-1, in_channels, kh, kw), padding=padding, groups=batch_size)
    x = x.reshape(batch_size, -1, *x.shape[2:])
    return x if noise is None else x + noise


class SynthesisLayer(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, up=1):
        super().__init__()
        self.resolution, self.up = resolution, up
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, 3, 3]))
        self.register_buffer("noise_const", torch.randn([resolution, resolution]))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x, w, noise_mode="random", fused_modconv=True, gain=1):
        noise = None
        if noise_mode == "random":
            noise = torch.randn([x.shape[0], 1, self.resolution, self.resolution]) * self.noise_strength
        if noise_mode == "const":
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, self.affine(w), noise=noise, up=self.up, padding=1, fused_modconv=fused_modconv)
        return F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2) * np.sqrt(2) * gain


class ToRGBLayer(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim):
        super().__init__()
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, 1, 1]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1 / np.sqrt(in_channels)

    def forward(self, x, w, fused_modconv=True):
        x = modulated_conv2d(x, self.weight, self.affine(w) * self.weight_gain, demodulate=False, fused_modconv=fused_modconv)
        return x + self.bias.view(1, -1, 1, 1)


class SynthesisBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, img_channels, is_last, architecture="skip"):
        super().__init__()
        self.in_channels, self.resolution, self.architecture = in_channels, resolution, architecture
        self.register_buffer("resample_filter", upfirdn2d.setup_filter([1, 3, 3, 1]))
        self.num_conv = self.num_torgb = 0
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=2)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim)
            self.num_torgb += 1

    def forward(self, x, img, ws, fused_modconv=True, **layer_kwargs):
        w_iter = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
            x = self.conv1(x, next(w_iter), fused_modconv=fused_modconv, **layer_kwargs)
        else:
            x = self.conv0(x, next(w_iter), fused_modconv=fused_modconv, **layer_kwargs)
            x = self.conv1(x, next(w_iter), fused_modconv=fused_modconv, **layer_kwargs)
        if img is not None:
            img = upfirdn2d.upsample2d(img, self.resample_filter)
        if hasattr(self, "torgb"):
            y = self.torgb(x, next(w_iter), fused_modconv=fused_modconv)
            img = img.add_(y) if img is not None else y
        return x, img


class SynthesisNetwork(nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels, channels=None):
        super().__init__()
        self.block_resolutions = [2 ** i for i in range(2, int(np.log2(img_resolution)) + 1)]
        channels = channels or {4: 32, 8: 32, 16: 16, 32: 16}
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(channels[res // 2] if res > 4 else 0, channels[res], w_dim, res, img_channels,
                                   is_last=res == img_resolution)
            self.num_ws += block.num_conv + (block.num_torgb if res == img_resolution else 0)
            setattr(self, f"b{res}", block)

    def forward(self, ws, **block_kwargs):
        block_ws, w_idx = [], 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            block_ws.append(ws.narrow(1, w_idx, block.num_conv + block.num_torgb))
            w_idx += block.num_conv
        x = img = None
        for res, cur_ws in zip(self.block_resolutions, block_ws):
            x, img = getattr(self, f"b{res}")(x, img, cur_ws, **block_kwargs)
        return img


class Generator(nn.Module):
    def __init__(self, z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim, img_resolution, img_channels)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, c_dim, w_dim, self.num_ws)

    def forward(self, z, c, truncation_psi=1, truncation_cutoff=None, update_emas=False, **synthesis_kwargs):
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, **synthesis_kwargs)


def build():
    g = Generator()
    with torch.no_grad():  # a trained-looking w̄ and noise strengths
        g.mapping.w_avg.normal_()
        for m in g.modules():
            if isinstance(m, SynthesisLayer):
                m.noise_strength.fill_(0.1)
    return g
