"""Network definitions shared by training and export: generator, discriminator, face parser."""
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

LATENT = 128
# Feature maps a generator can be split at (PandA layers): name -> (channels, size).
G_CHANNELS = {"4x4": 256, "8x8": 256, "16x16": 128, "32x32": 64, "64x64": 32}
SPLITS = ["8x8", "16x16", "32x32"]


class UpBlock(nn.Sequential):
    """Nearest upsample x2, 3x3 conv, BatchNorm, LeakyReLU. Nearest+conv instead of a stride-2
    transposed conv so the feature maps PandA factorises carry no checkerboard pattern."""

    def __init__(self, cin, cout):
        super().__init__(nn.Upsample(scale_factor=2, mode="nearest"),
                         nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))


class Generator(nn.Module):
    """z (128, standard normal) -> 4x4 -> 8x8 -> 16x16 -> 32x32 -> 64x64 RGB in [-1, 1].

    `stages` is an ordered dict so the network can be cut after any named feature map:
    head(z) = stages up to the split, tail(features) = the rest."""

    def __init__(self):
        super().__init__()
        c = G_CHANNELS
        self.fc = nn.Linear(LATENT, c["4x4"] * 16)
        self.stages = nn.ModuleDict({
            "4x4": nn.Sequential(nn.BatchNorm2d(c["4x4"]), nn.LeakyReLU(0.2)),
            "8x8": UpBlock(c["4x4"], c["8x8"]),
            "16x16": UpBlock(c["8x8"], c["16x16"]),
            "32x32": UpBlock(c["16x16"], c["32x32"]),
            "64x64": UpBlock(c["32x32"], c["64x64"]),
        })
        self.to_rgb = nn.Conv2d(c["64x64"], 3, 3, padding=1)

    def head(self, z, split):
        x = self.fc(z).view(-1, G_CHANNELS["4x4"], 4, 4)
        for name, stage in self.stages.items():
            x = stage(x)
            if name == split:
                return x
        raise KeyError(split)

    def tail(self, x, split):
        names = list(self.stages)
        for name in names[names.index(split) + 1:]:
            x = self.stages[name](x)
        return torch.tanh(self.to_rgb(x))

    def forward(self, z):
        return self.tail(self.head(z, "64x64"), "64x64")


class Discriminator(nn.Module):
    """Spectrally normalised conv net, 64 -> 4, one unbounded score per image (hinge loss)."""

    def __init__(self, ch=(32, 64, 128, 256, 256)):
        super().__init__()
        layers = [spectral_norm(nn.Conv2d(3, ch[0], 3, padding=1)), nn.LeakyReLU(0.2)]
        for cin, cout in zip(ch[:-1], ch[1:]):  # stride-2 convs are fine here: D's maps are not edited
            layers += [spectral_norm(nn.Conv2d(cin, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.out = spectral_norm(nn.Linear(ch[-1] * 4 * 4, 1))

    def forward(self, x):
        return self.out(self.features(x).flatten(1)).squeeze(1)


@torch.no_grad()
def recalibrate_bn(g, n_batches=8, batch=64, seed=1234):
    """Recompute BatchNorm running statistics for a generator whose weights are an EMA (its
    weights never produced the running stats copied from the trained net). Returns g in eval mode."""
    gen = torch.Generator().manual_seed(seed)
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
    g.train()
    for _ in range(n_batches):
        g(torch.randn(batch, LATENT, generator=gen))
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    return g.eval()


def _conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Parser(nn.Module):
    """Small U-Net face parser: image [N,3,64,64] in [-1,1] -> logits [N,classes,64,64]."""

    def __init__(self, classes=11, ch=(16, 32, 48, 64)):
        super().__init__()
        self.down = nn.ModuleList([_conv_block(cin, cout) for cin, cout in zip((3,) + ch[:-1], ch)])
        self.up = nn.ModuleList([_conv_block(ch[i + 1] + ch[i], ch[i]) for i in reversed(range(len(ch) - 1))])
        self.out = nn.Conv2d(ch[0], classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            x = block(torch.cat([F.interpolate(x, scale_factor=2, mode="nearest"), skip], 1))
        return self.out(x)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


class SuperRes(nn.Module):
    """64 → 256 RGB upsampler appended to the generator's tail (the 256-px SynthFaces model).

    Features at 64 px (a conv and two residual blocks), then two stages of nearest ×2 + 3×3 conv —
    no transposed or sub-pixel convs, so no checkerboard — and a last conv to RGB at 256. It predicts
    a residual over the bilinear ×4 upsampling of its input, so an untrained net already returns a
    smooth picture, and the output is clamped to the generator's range [-1, 1]. Wide only at 64 px,
    narrow at 256 px: about 0.9 GMAC per image."""

    def __init__(self, ch=48, mid=32, top=8):
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.stem = nn.Sequential(nn.Conv2d(3, ch, 3, padding=1), act)
        self.blocks = nn.ModuleList([nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), act, nn.Conv2d(ch, ch, 3, padding=1))
                                     for _ in range(2)])
        self.up128 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, mid, 3, padding=1), act,
                                   nn.Conv2d(mid, mid, 3, padding=1), act)
        self.up256 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(mid, top, 3, padding=1), act,
                                   nn.Conv2d(top, 3, 3, padding=1))
        nn.init.zeros_(self.up256[-1].weight)  # start as plain bilinear upsampling
        nn.init.zeros_(self.up256[-1].bias)

    def forward(self, x):
        h = self.stem(x)
        for block in self.blocks:
            h = F.leaky_relu(h + block(h), 0.2)
        base = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        return torch.clamp(base + self.up256(self.up128(h)), -1, 1)
