"""BigGAN-deep in the shape of huggingface/pytorch-pretrained-BigGAN's BigGAN (model.py): class embedding,
gen_z with TF channel order, GenBlocks conditioned on [z, embedding] with batch-norm statistics chosen by
the truncation, one SelfAttn, spectral norm throughout."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def snconv2d(eps=1e-12, **kwargs):
    return nn.utils.spectral_norm(nn.Conv2d(**kwargs), eps=eps)


def snlinear(eps=1e-12, **kwargs):
    return nn.utils.spectral_norm(nn.Linear(**kwargs), eps=eps)


class BigGANConfig:
    def __init__(self, z_dim=16, num_classes=10, channel_width=8, attention_layer_position=2, eps=1e-4, n_stats=51,
                 layers=((False, 16, 16), (True, 16, 8), (True, 8, 4), (True, 4, 2), (False, 2, 1))):
        self.z_dim, self.num_classes, self.channel_width = z_dim, num_classes, channel_width
        self.attention_layer_position, self.eps, self.n_stats, self.layers = attention_layer_position, eps, n_stats, layers


class SelfAttn(nn.Module):
    def __init__(self, in_channels, eps=1e-12):
        super().__init__()
        self.snconv1x1_theta = snconv2d(in_channels=in_channels, out_channels=in_channels // 8, kernel_size=1, bias=False, eps=eps)
        self.snconv1x1_phi = snconv2d(in_channels=in_channels, out_channels=in_channels // 8, kernel_size=1, bias=False, eps=eps)
        self.snconv1x1_g = snconv2d(in_channels=in_channels, out_channels=in_channels // 2, kernel_size=1, bias=False, eps=eps)
        self.snconv1x1_o_conv = snconv2d(in_channels=in_channels // 2, out_channels=in_channels, kernel_size=1, bias=False, eps=eps)
        self.maxpool = nn.MaxPool2d(2, stride=2, padding=0)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        _, ch, h, w = x.size()
        theta = self.snconv1x1_theta(x).view(-1, ch // 8, h * w)
        phi = self.maxpool(self.snconv1x1_phi(x)).view(-1, ch // 8, h * w // 4)
        attn = torch.softmax(torch.bmm(theta.permute(0, 2, 1), phi), dim=-1)
        g = self.maxpool(self.snconv1x1_g(x)).view(-1, ch // 2, h * w // 4)
        attn_g = torch.bmm(g, attn.permute(0, 2, 1)).view(-1, ch // 2, h, w)
        return x + self.gamma * self.snconv1x1_o_conv(attn_g)


class BigGANBatchNorm(nn.Module):
    def __init__(self, num_features, condition_vector_dim=None, n_stats=51, eps=1e-4, conditional=True):
        super().__init__()
        self.eps, self.conditional = eps, conditional
        self.register_buffer("running_means", torch.zeros(n_stats, num_features))
        self.register_buffer("running_vars", torch.ones(n_stats, num_features))
        self.step_size = 1.0 / (n_stats - 1)
        if conditional:
            self.scale = snlinear(in_features=condition_vector_dim, out_features=num_features, bias=False, eps=eps)
            self.offset = snlinear(in_features=condition_vector_dim, out_features=num_features, bias=False, eps=eps)
        else:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, x, truncation, condition_vector=None):
        coef, start_idx = math.modf(truncation / self.step_size)  # ψ as a Python float
        start_idx = int(start_idx)
        if coef != 0.0:
            mean = self.running_means[start_idx] * coef + self.running_means[start_idx + 1] * (1 - coef)
            var = self.running_vars[start_idx] * coef + self.running_vars[start_idx + 1] * (1 - coef)
        else:
            mean, var = self.running_means[start_idx], self.running_vars[start_idx]
        if self.conditional:
            mean, var = mean[None, :, None, None], var[None, :, None, None]
            weight = 1 + self.scale(condition_vector)[:, :, None, None]
            bias = self.offset(condition_vector)[:, :, None, None]
            return (x - mean) / torch.sqrt(var + self.eps) * weight + bias
        return F.batch_norm(x, mean, var, self.weight, self.bias, training=False, momentum=0.0, eps=self.eps)


class GenBlock(nn.Module):
    def __init__(self, in_size, out_size, condition_vector_dim, reduction_factor=4, up_sample=False, n_stats=51, eps=1e-12):
        super().__init__()
        self.up_sample, self.drop_channels = up_sample, in_size != out_size
        middle = in_size // reduction_factor
        self.bn_0 = BigGANBatchNorm(in_size, condition_vector_dim, n_stats=n_stats, eps=eps)
        self.conv_0 = snconv2d(in_channels=in_size, out_channels=middle, kernel_size=1, eps=eps)
        self.bn_1 = BigGANBatchNorm(middle, condition_vector_dim, n_stats=n_stats, eps=eps)
        self.conv_1 = snconv2d(in_channels=middle, out_channels=middle, kernel_size=3, padding=1, eps=eps)
        self.bn_2 = BigGANBatchNorm(middle, condition_vector_dim, n_stats=n_stats, eps=eps)
        self.conv_2 = snconv2d(in_channels=middle, out_channels=middle, kernel_size=3, padding=1, eps=eps)
        self.bn_3 = BigGANBatchNorm(middle, condition_vector_dim, n_stats=n_stats, eps=eps)
        self.conv_3 = snconv2d(in_channels=middle, out_channels=out_size, kernel_size=1, eps=eps)
        self.relu = nn.ReLU()

    def forward(self, x, cond_vector, truncation):
        x0 = x
        x = self.conv_0(self.relu(self.bn_0(x, truncation, cond_vector)))
        x = self.relu(self.bn_1(x, truncation, cond_vector))
        if self.up_sample:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv_1(x)
        x = self.conv_2(self.relu(self.bn_2(x, truncation, cond_vector)))
        x = self.conv_3(self.relu(self.bn_3(x, truncation, cond_vector)))
        if self.drop_channels:
            x0 = x0[:, : x0.shape[1] // 2, ...]
        if self.up_sample:
            x0 = F.interpolate(x0, scale_factor=2, mode="nearest")
        return x + x0


class Generator(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        ch, cond_dim = config.channel_width, config.z_dim * 2
        self.gen_z = snlinear(in_features=cond_dim, out_features=4 * 4 * 16 * ch, eps=config.eps)
        layers = []
        for i, (up, cin, cout) in enumerate(config.layers):
            if i == config.attention_layer_position:
                layers.append(SelfAttn(ch * cin, eps=config.eps))
            layers.append(GenBlock(ch * cin, ch * cout, cond_dim, up_sample=up, n_stats=config.n_stats, eps=config.eps))
        self.layers = nn.ModuleList(layers)
        self.bn = BigGANBatchNorm(ch, n_stats=config.n_stats, eps=config.eps, conditional=False)
        self.relu = nn.ReLU()
        self.conv_to_rgb = snconv2d(in_channels=ch, out_channels=ch, kernel_size=3, padding=1, eps=config.eps)
        self.tanh = nn.Tanh()

    def forward(self, cond_vector, truncation):
        z = self.gen_z(cond_vector).view(-1, 4, 4, 16 * self.config.channel_width).permute(0, 3, 1, 2).contiguous()
        for layer in self.layers:
            z = layer(z, cond_vector, truncation) if isinstance(layer, GenBlock) else layer(z)
        z = self.conv_to_rgb(self.relu(self.bn(z, truncation)))
        return self.tanh(z[:, :3, ...])


class BigGAN(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embeddings = nn.Linear(config.num_classes, config.z_dim, bias=False)
        self.generator = Generator(config)

    def forward(self, z, class_label, truncation):
        assert 0 < truncation <= 1
        return self.generator(torch.cat((z, self.embeddings(class_label)), dim=1), truncation)


def build():
    g = BigGAN(BigGANConfig())
    with torch.no_grad():  # trained-looking batch-norm statistics, attention and spectral-norm vectors
        for m in g.modules():
            if hasattr(m, "weight_u"):  # converged power iteration: the top singular vectors
                u, _, vh = torch.linalg.svd(m.weight_orig.reshape(m.weight_orig.shape[0], -1), full_matrices=False)
                m.weight_u.copy_(u[:, 0])
                m.weight_v.copy_(vh[0])
            if isinstance(m, BigGANBatchNorm):
                m.running_means.normal_(0, 0.1)
                m.running_vars.uniform_(0.5, 1.5)
            if isinstance(m, SelfAttn):
                m.gamma.fill_(0.5)
    return g.eval()
