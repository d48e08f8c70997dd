"""Export test bundles with PyTorch reference images, for the ONNX Runtime checks in
test/export/exporter.test.ts (Python here cannot run ONNX).

    python3 models/export/tests/make_bundles.py OUTDIR

writes OUTDIR/<case>/ (a bundle) and OUTDIR/cases.json: per case the bundle folder, latents z
(batch 3, not the batches 2 and 1 the graphs were traced at), ψ for a `truncation` input, the full
generator's images for them (the exporter's check images; for StyleGAN3 also `nvlabsImage`, NVlabs'
network with its own CPU ops, none of the exporter's), and the float32 bytes of its parameters and buffers. The cases are
the generic path (Keras HDF5 files too) and, where ../shared has them, the real checkpoint
celeba-dcgan-32 and small generators of each public implementation in ../shared/gan-code
(tests/real_code.py), each exported through the exporter's command line in a process of its own.
OUTDIR/skipped.json lists what ../shared lacked."""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pandaexport.cli import build, main, parser  # noqa: E402
from tests import keras_files, real_code  # noqa: E402
from tests.fixtures import tiny  # noqa: E402

HERE = Path(__file__).resolve().parent
CELEBA = HERE.parent.parent.parent.parent / "shared" / "gans" / "celeba-dcgan-32" / "generator.pt"


def _export(name: str, args, out: Path) -> dict:
    """Export through the command line; the case for the ONNX Runtime check."""
    if main(args + ["--out", str(out / name)]) != 0:
        raise SystemExit(f"exporting {name} failed")
    gen = build(parser().parse_args(args))
    z = gen.latent.sample(3, seed=7)
    psi = gen.truncation.default if gen.truncation.method == "input" else None
    own_images = getattr(gen, "nvlabs_images", None)  # StyleGAN3: NVlabs' network without the exporter's ops
    with torch.no_grad():
        image = gen.reference(z, psi)
        own = {} if own_images is None else {"nvlabsImage": own_images(z, psi).flatten().tolist()}
    return {"name": name, "bundle": str(out / name), "z": z.tolist(), "truncation": psi,
            "image": image.flatten().tolist(), "imageShape": list(image.shape),
            "stateBytes": gen.state_bytes(), **own}


def real_case(name: str, out: Path) -> None:
    case = next(c for c in real_code.CASES if c.name == name)
    weights = out / f"{name}.weights"
    weights.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    listing = _export(name, case.make(weights), out)
    (out / f"{name}.case.json").write_text(json.dumps({**listing, "what": case.what}))


# Real-code cases run in processes of their own, this many at a time, beside the generic exports of this
# process: most of their time is single-threaded Python (tracing, onnx.checker), so on a two-core machine
# they overlap instead of queueing.
CASE_PROCESSES = 2


def _real_case_process(case, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, __file__, "--case", case.name, str(out)], capture_output=True, text=True)


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    pool = ThreadPoolExecutor(CASE_PROCESSES)
    running = [(case, pool.submit(_real_case_process, case, out)) for case in real_code.CASES] if real_code.AVAILABLE else []
    torch.manual_seed(0)
    torch.save(tiny.SkipGenerator().state_dict(), out / "tiny.pt")
    torch.save(tiny.ConvLatentGenerator().state_dict(), out / "conv-latent.pt")
    listing = [_export("tiny", ["--module", f"{HERE / 'fixtures' / 'tiny.py'}:SkipGenerator", "--split", "conv",
                                "--range=-3,3", "--weights", str(out / "tiny.pt")], out),
               _export("conv-latent", ["--module", f"{HERE / 'fixtures' / 'tiny.py'}:ConvLatentGenerator",
                                       "--latent", "16x1x1", "--split", "main.2", "--weights", str(out / "conv-latent.pt")], out)]
    for keras, split in (("keras2-dcgan", "conv2d_transpose"), ("keras3-functional", "concatenate")):
        # Keras HDF5 files converted to PyTorch, then exported
        keras_files.write_architecture(keras, out / f"{keras}.h5")
        listing.append(_export(keras, ["--keras", str(out / f"{keras}.h5"), "--split", split], out))
    skipped = []
    if CELEBA.is_file():
        listing.append(_export("celeba-dcgan-32", [
            "--module", f"{HERE.parent / 'examples' / 'celeba_dcgan32.py'}:Generator", "--weights", str(CELEBA),
            "--latent", "100:uniform", "--split", "generator_deconv.2=8x8", "--split", "generator_deconv.3=16x16"], out))
    else:
        skipped.append(f"celeba-dcgan-32: {CELEBA} is absent")
    for case, future in running:
        r = future.result()
        if r.returncode != 0:
            pool.shutdown(cancel_futures=True)
            raise SystemExit(f"{case.name} ({case.what}): exit {r.returncode}\n{r.stderr[-3000:]}")
        listing.append(json.loads((out / f"{case.name}.case.json").read_text()))
    pool.shutdown()
    if not real_code.AVAILABLE:
        skipped.append(real_code.ABSENT)
    (out / "cases.json").write_text(json.dumps(listing))
    (out / "skipped.json").write_text(json.dumps(skipped))


if __name__ == "__main__":
    if sys.argv[1] == "--case":
        real_case(sys.argv[2], Path(sys.argv[3]))
    else:
        make(Path(sys.argv[1]))
