#!/usr/bin/env python3
"""Build an NVlabs generator with random weights from NVlabs' own, unmodified code and pickle it exactly
as NVlabs' training loop writes network pickles: a dict whose 'G_ema' is the generator (with its
@persistent_class source code inside), deep-copied, in eval mode, without gradients, on the CPU.

Weights cannot be downloaded on this project's machines, so this is how benchmarks and tests get a
real-size StyleGAN2/3 that loads like a real `stylegan2-ffhq-1024x1024.pkl`. Defaults are FFHQ
config-f shapes (30 M parameters at 256 and at 1024):

  /usr/bin/python3 models/export/examples/random_nvlabs.py --resolution 256 --out sg2-256.pkl
  /usr/bin/python3 models/export/examples/random_nvlabs.py --network stylegan3-t --resolution 256 --out sg3t.pkl

--code is a checkout of NVlabs/stylegan2-ada-pytorch (network stylegan2) or NVlabs/stylegan3 (any
network); by default the snapshots in ../shared/gan-code. Prints one JSON line: file, parameters, seconds.
"""
import argparse
import copy
import inspect
import json
import os
import pickle
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SHARED_CODE = REPO.parent / "shared" / "gan-code"
NETWORKS = {
    # network: (default code folder, modules that define it (the first the checkout has), default mapping layers)
    "stylegan2": ("stylegan2-ada-pytorch", ["training.networks", "training.networks_stylegan2"], 8),
    "stylegan3-t": ("stylegan3", ["training.networks_stylegan3"], 2),
    "stylegan3-r": ("stylegan3", ["training.networks_stylegan3"], 2),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", choices=sorted(NETWORKS), default="stylegan2")
    p.add_argument("--code", type=Path, help="NVlabs checkout (default: ../shared/gan-code/<the network's repository>)")
    p.add_argument("--resolution", type=int, default=256, help="image size, a power of two (default 256)")
    p.add_argument("--channel-base", type=int, default=32768, help="NVlabs channel_base (default 32768, config-f)")
    p.add_argument("--channel-max", type=int, default=512, help="NVlabs channel_max (default 512)")
    p.add_argument("--z-dim", type=int, default=512)
    p.add_argument("--w-dim", type=int, default=512)
    p.add_argument("--mapping-layers", type=int, help="default 8 (StyleGAN2) or 2 (StyleGAN3)")
    p.add_argument("--c-dim", type=int, default=0, help="classes of a conditional generator (default 0)")
    p.add_argument("--fp16-res", type=int, default=0, help="num_fp16_res: fp16 in the N highest resolutions")
    p.add_argument("--conv-clamp", type=float, help="conv_clamp (NVlabs uses 256 with fp16)")
    p.add_argument("--architecture", choices=["skip", "resnet", "orig"], default="skip", help="StyleGAN2 only")
    p.add_argument("--num-layers", type=int, default=14,
                   help="StyleGAN3 only: synthesis layers before ToRGB (NVlabs' num_layers, default 14; fewer for tests)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, help="the .pkl to write")
    return p


def build(args):
    import torch

    folder, modules, mapping_layers = NETWORKS[args.network]
    code = (args.code or SHARED_CODE / folder).resolve()
    if not (code / "torch_utils" / "persistence.py").is_file():
        raise SystemExit(f"random_nvlabs: {code} is not an NVlabs checkout (no torch_utils/persistence.py)")
    found = [m for m in modules if (code / (m.replace(".", "/") + ".py")).is_file()]
    if not found:
        raise SystemExit(f"random_nvlabs: {code} has no {' or '.join(modules)} for --network {args.network}")
    module_name = found[0]
    sys.path.insert(0, str(code))
    networks = __import__(module_name, fromlist=["Generator"])
    torch.manual_seed(args.seed)
    mapping_kwargs = {"num_layers": args.mapping_layers or mapping_layers}
    common = dict(z_dim=args.z_dim, c_dim=args.c_dim, w_dim=args.w_dim, img_resolution=args.resolution,
                  img_channels=3, mapping_kwargs=mapping_kwargs)
    if args.network == "stylegan2":
        synthesis = dict(channel_base=args.channel_base, channel_max=args.channel_max, num_fp16_res=args.fp16_res,
                         conv_clamp=args.conv_clamp, architecture=args.architecture)
        # stylegan2-ada-pytorch takes synthesis_kwargs={...}, stylegan3's networks_stylegan2 **synthesis_kwargs
        own = next(c for c in networks.Generator.__mro__ if c.__module__ == networks.__name__)  # not the decorator
        nested = inspect.signature(own.__init__).parameters["synthesis_kwargs"].kind != inspect.Parameter.VAR_KEYWORD
        G = networks.Generator(**common, **({"synthesis_kwargs": synthesis} if nested else synthesis))
    else:  # as NVlabs' train.py sets up --cfg stylegan3-t / stylegan3-r
        r = args.network == "stylegan3-r"
        G = networks.Generator(**common, channel_base=args.channel_base * (2 if r else 1),
                               channel_max=args.channel_max * (2 if r else 1), num_fp16_res=args.fp16_res,
                               conv_clamp=args.conv_clamp, magnitude_ema_beta=0.5 ** (32 / 20e3),
                               conv_kernel=1 if r else 3, use_radial_filters=r, num_layers=args.num_layers)
    with torch.no_grad():  # what training would have tracked: the mean w (w̄) used by truncation
        z = torch.randn(2048, args.z_dim)
        c = torch.nn.functional.one_hot(torch.randint(args.c_dim, (2048,)), args.c_dim).float() if args.c_dim else None
        G.mapping.w_avg.copy_(G.mapping(z, c)[:, 0].mean(0))
    return G


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    start = time.monotonic()
    G = build(args)
    snapshot = {"G_ema": copy.deepcopy(G).eval().requires_grad_(False).cpu()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(snapshot, f)
    os.replace(tmp, args.out)
    print(json.dumps({"file": str(args.out), "network": args.network, "resolution": args.resolution,
                      "parameters": sum(p.numel() for p in G.parameters()),
                      "seconds": round(time.monotonic() - start, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
