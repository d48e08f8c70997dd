"""Export test bundles with PyTorch reference images, for the ONNX Runtime check in
test/export/exporter.test.ts (Python here cannot run ONNX).

    python3 models/export/tests/make_bundles.py OUTDIR

writes OUTDIR/<case>/ (a bundle) and OUTDIR/cases.json: per case the bundle folder, latents z
(batch 3, not the batch 2 the graphs were traced at), ψ for a `truncation` input, and the full
generator's images for them."""
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pandaexport.cli import build, main, parser  # noqa: E402
from tests.families import biggan, progan, stylegan2, stylegan2_nvlabs, stylegan3  # noqa: E402
from tests import keras_files  # noqa: E402
from tests.fixtures import tiny  # noqa: E402

HERE = Path(__file__).resolve().parent
CELEBA = HERE.parent.parent.parent.parent / "shared" / "gans" / "celeba-dcgan-32" / "generator.pt"


def cases(out: Path):
    """(name, exporter arguments, state_dict to save as the weights or None for a file that exists)."""
    yield "tiny", ["--module", f"{HERE / 'fixtures' / 'tiny.py'}:SkipGenerator", "--split", "conv", "--range=-3,3"], tiny.SkipGenerator()
    yield "conv-latent", ["--module", f"{HERE / 'fixtures' / 'tiny.py'}:ConvLatentGenerator", "--latent", "16x1x1",
                          "--split", "main.2"], tiny.ConvLatentGenerator()
    for keras in ("keras2-dcgan", "keras3-functional"):  # Keras HDF5 files converted to PyTorch, then exported
        keras_files.write_architecture(keras, out / f"{keras}.h5")
    yield "keras2-dcgan", ["--keras", str(out / "keras2-dcgan.h5"), "--split", "conv2d_transpose"], None
    yield "keras3-functional", ["--keras", str(out / "keras3-functional.h5"), "--split", "concatenate"], None
    yield "progan", ["--module", f"{HERE / 'families' / 'progan.py'}:build", "--family", "progan",
                     "--split", "scaleLayers.0.1"], progan.build()
    yield "stylegan2", ["--module", f"{HERE / 'families' / 'stylegan2.py'}:build", "--family", "stylegan2",
                        "--split", "conv1", "--split", "convs.2"], stylegan2.build()
    yield "stylegan2-nvlabs", ["--module", f"{HERE / 'families' / 'stylegan2_nvlabs.py'}:build", "--family", "stylegan2",
                               "--split", "b8.conv0"], stylegan2_nvlabs.build()
    yield "stylegan3", ["--module", f"{HERE / 'families' / 'stylegan3.py'}:build", "--family", "stylegan3",
                        "--split", "L2_20_8"], stylegan3.build()
    yield "biggan", ["--module", f"{HERE / 'families' / 'biggan.py'}:build", "--family", "biggan", "--class", "3",
                     "--split", "layers.3"], biggan.build()
    if CELEBA.is_file():
        yield "celeba-dcgan-32", ["--module", f"{HERE.parent / 'examples' / 'celeba_dcgan32.py'}:Generator",
                                  "--weights", str(CELEBA), "--latent", "100:uniform",
                                  "--split", "generator_deconv.2=8x8", "--split", "generator_deconv.3=16x16"], None


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    listing = []
    for name, args, module in cases(out):
        torch.manual_seed(0)
        if module is not None:
            torch.save(module.state_dict(), out / f"{name}.pt")
            args = args + ["--weights", str(out / f"{name}.pt")]
        if main(args + ["--out", str(out / name)]) != 0:
            raise SystemExit(f"exporting {name} failed")
        gen = build(parser().parse_args(args))
        z = gen.latent.sample(3, seed=7)
        psi = gen.truncation.default if gen.truncation.method == "input" else None
        with torch.no_grad():
            image = gen.reference(z, psi)
        listing.append({"name": name, "bundle": str(out / name), "z": z.tolist(), "truncation": psi,
                        "image": image.flatten().tolist(), "imageShape": list(image.shape)})
    (out / "cases.json").write_text(json.dumps(listing))


if __name__ == "__main__":
    make(Path(sys.argv[1]))
