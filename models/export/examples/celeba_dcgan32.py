"""The celeba-dcgan-32 generator (a third party's DCGAN, see ../shared/gans/celeba-dcgan-32/README.md),
written from its README's description so that its state_dict loads: keys generator_deconv.{0..4}.{0,1}.*.

    npm run export -- --module models/export/examples/celeba_dcgan32.py:Generator \
        --weights ../shared/gans/celeba-dcgan-32/generator.pt --latent 100:uniform \
        --split generator_deconv.2=8x8 --split generator_deconv.3=16x16 --out models/celeba-dcgan-32
"""
import torch
from torch import nn


def _block(conv: nn.Module, channels: int, activate: bool) -> nn.Sequential:
    # Item 0 the convolution, item 1 the batch norm; the activation has no weights, so it can sit at item 2.
    layers = [conv, nn.BatchNorm2d(channels, eps=1e-5)]
    return nn.Sequential(*layers, nn.LeakyReLU(0.2)) if activate else nn.Sequential(*layers)


class Generator(nn.Module):
    latent_size = 100

    def __init__(self):
        super().__init__()
        self.generator_deconv = nn.Sequential(
            _block(nn.ConvTranspose2d(100, 256, 4, 1, 0, bias=False), 256, activate=False),  # 256×4×4
            _block(nn.Conv2d(256, 128, 3, 1, 1, bias=False), 128, activate=True),  # 128×4×4
            _block(nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), 64, activate=True),  # 64×8×8
            _block(nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), 32, activate=True),  # 32×16×16
            nn.Sequential(nn.ConvTranspose2d(32, 3, 4, 2, 1, bias=True)),  # 3×32×32
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z: [N, 100], uniform on [-1, 1] → image [N, 3, 32, 32] in [-1, 1]."""
        return torch.tanh(self.generator_deconv(z.view(z.shape[0], -1, 1, 1)))
