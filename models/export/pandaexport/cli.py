"""Command line: `export.py --module FILE.py:NAME --weights FILE --split NODE ... --out DIR`."""
import argparse
import math
import shlex
import sys
import warnings
from pathlib import Path
from typing import List, Optional

import onnx
import torch

from . import adapters, progress
from .bundle import About, Layer, check_id, check_out, manifest, model_card, slug, staged_folder, write_texts
from .errors import ExportError
from .fxsplit import FxGenerator
from .generator import DISTRIBUTIONS, Exportable, Latent
from .imagerange import RANGE_SAMPLES, infer_range
from .keras import load_keras
from .loading import load_generator, parse_kwargs
from .onnxio import check_file, export_cut
from .shared_weights import SharedWeights
from .verify import References, verify_cut


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, like every other failure
        self.exit(2, f"export: error: {message}\n")


def _latent(text: str) -> Latent:
    shape, _, dist = text.partition(":")
    dist = dist or "normal"
    dims = shape.split("x")
    if not all(d.isdigit() and int(d) >= 1 for d in dims) or dist not in DISTRIBUTIONS:
        raise argparse.ArgumentTypeError(f"expected SIZE[xD…][:normal|uniform] (e.g. 128, 100x1x1:uniform), got '{text}'")
    dims = tuple(int(d) for d in dims)
    return Latent(math.prod(dims), dist, dims if len(dims) > 1 else ())


def _range(text: str):
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH (e.g. --range=-1,1), got '{text}'")
    if not low < high:
        raise argparse.ArgumentTypeError(f"expected LOW < HIGH, got '{text}'")
    return low, high


def _mib(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a size in MiB above 0 (e.g. 256 or 0.5), got '{text}'")
    return value


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="export", description="Export a PyTorch GAN generator, or a Keras one from an HDF5 file, as a "
                                           "PandA bundle (models/README.md).")
    p.add_argument("--module", metavar="FILE.py:NAME",
                   help="the generator class (built with --kwargs) or a factory function returning it")
    p.add_argument("--weights", metavar="FILE", help="a state_dict or a whole pickled module")
    p.add_argument("--keras", metavar="FILE.h5",
                   help="instead of --module and --weights: a Keras 2 or 3 generator saved whole as HDF5 (model.save)")
    p.add_argument("--weights-key", metavar="KEY", help="entry of a checkpoint dict holding the generator (e.g. g_ema)")
    p.add_argument("--kwargs", metavar="JSON", help="keyword arguments for NAME, as a JSON object")
    p.add_argument("--family", choices=sorted(adapters.FAMILIES), help="a known family whose generator tracing cannot cut")
    p.add_argument("--latent", type=_latent, metavar="SIZE[xD…][:normal|uniform]",
                   help="latent shape per sample and distribution, e.g. 128 or 100x1x1:uniform (the bundle takes "
                        "z as [N, size] and reshapes it for the generator)")
    p.add_argument("--split", action="append", default=[], metavar="NODE[=ID]",
                   help="split point (a node or module, see --list-splits), optionally with a layer id; repeatable")
    p.add_argument("--out", metavar="DIR", help="bundle folder to write (replaced atomically)")
    p.add_argument("--id", help="bundle id (default: the --out folder name)")
    p.add_argument("--title", help="title shown in the model picker (default: the id)")
    p.add_argument("--description", help="one line shown in the model picker")
    p.add_argument("--license", default="unknown", help="licence of the weights")
    p.add_argument("--source", help="where the weights come from (repository, commit, paper)")
    p.add_argument("--range", type=_range, metavar="LOW,HIGH", help="image value range when it cannot be detected")
    p.add_argument("--truncation", type=float, metavar="PSI", help="default truncation ψ (BigGAN: also its batch-norm statistics)")
    p.add_argument("--class", dest="class_index", type=int, metavar="K", help="class fixed at export (BigGAN, conditional StyleGAN3)")
    p.add_argument("--activation-group-mib", type=_mib, metavar="MIB",
                   help="StyleGAN3: run the filtered activation on groups of channels whose upsampled map stays under MIB "
                        "per sample (default 256); lower it where an export runs out of memory")
    p.add_argument("--samples", type=int, default=8, help="random latents for the head∘tail check, shared out between ψ = default and 1 where "
                        "the head takes ψ (default 8)")
    p.add_argument("--tolerance", type=float, default=1e-4, help="largest allowed |head∘tail − full| (default 1e-4)")
    p.add_argument("--list-splits", action="store_true", help="print the split points with their shapes and exit")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return p


def check_source(p: argparse.ArgumentParser, args) -> None:
    """Either --keras, or --module with --weights."""
    if args.keras:
        clashing = [flag for flag, value in (("--module", args.module), ("--weights", args.weights), ("--family", args.family),
                                             ("--weights-key", args.weights_key), ("--kwargs", args.kwargs)) if value]
        if clashing:
            p.error(f"--keras reads the whole generator from its file; drop {', '.join(clashing)}")
    elif not args.module or not args.weights:
        p.error("give --module FILE.py:NAME and --weights FILE, or --keras FILE.h5")


def build(args) -> Exportable:
    if args.activation_group_mib is not None and args.family != "stylegan3":
        raise ExportError("--activation-group-mib applies to StyleGAN3's filtered activation (--family stylegan3) only; "
                          "drop it")
    if args.keras:
        module = load_keras(args.keras)
        gen = FxGenerator(module, args.latent, 1.0 if args.truncation is None else args.truncation)
        gen.family = f"Keras {module.keras_version} HDF5, converted to PyTorch"
        return gen
    loaded = load_generator(args.module, args.weights, parse_kwargs(args.kwargs), args.weights_key)
    torch.manual_seed(0)  # anything an adapter estimates at random (e.g. w̄) is reproducible
    if args.family:
        group_bytes = None if args.activation_group_mib is None else max(1, int(args.activation_group_mib * 2 ** 20))
        return adapters.build(args.family, loaded, adapters.Options(args.truncation, args.class_index, args.latent, group_bytes))
    return FxGenerator(loaded.module, args.latent, 1.0 if args.truncation is None else args.truncation)


def list_splits(gen: Exportable) -> None:
    rows = gen.split_shapes()
    width = max([len(r[0]) for r in rows] + [10])
    print(f"{'split point':<{width}}  {'shape':<16}  note")
    for name, shape, note in rows:
        print(f"{name:<{width}}  {'×'.join(map(str, shape)):<16}  {note}")


def _split_ids(specs: List[str]):
    pairs = []
    for spec in specs:
        name, _, layer_id = spec.partition("=")
        pairs.append((name, layer_id or slug(name)))
    ids = [i for _, i in pairs]
    if len(set(ids)) != len(ids):
        raise ExportError(f"two splits share a layer id ({', '.join(ids)}); name them with NODE=ID")
    return pairs


def run(args, argv: List[str]) -> None:
    progress.step(f"loading {Path(args.keras).name}" if args.keras else
                  f"loading {args.module.rpartition(':')[2]} and {Path(args.weights).name}")
    gen = build(args)
    if args.list_splits:
        list_splits(gen)
        return
    if not args.split or not args.out:
        raise ExportError("--split and --out are required (or use --list-splits)")
    out = Path(args.out)
    bundle_id = check_id(args.id or out.name)
    check_out(out)
    image_range = args.range or gen.image_range
    if image_range is None:  # before the splits' work, so that a refusal comes at once
        print(f"the last op does not bound the image: reading the range from {RANGE_SAMPLES} random images…", flush=True)
        image_range, how = infer_range(gen)
        print(how)

    layers, cuts = [], []
    splits = _split_ids(args.split)
    progress.step(f"running the full generator on {args.samples} latents for the checks")
    references = References(gen, samples=args.samples)
    for k, (name, layer_id) in enumerate(splits, 1):
        progress.step(f"split {k}/{len(splits)} ({name}): checking head∘tail against the full generator")
        cut = gen.cut(name)
        report = verify_cut(gen, cut, references, tolerance=args.tolerance)
        print(f"split {name} -> layer {layer_id}: features {list(report.feature_shape)}, "
              f"max |head∘tail − full| = {report.max_abs_diff:.2e}", flush=True)
        layers.append(Layer(layer_id, report))
        cuts.append(cut)
    first = layers[0].report
    for layer in layers[1:]:
        if layer.report.aux_shapes != first.aux_shapes:
            raise ExportError(f"splits '{first.name}' and '{layer.report.name}' need different auxiliary tensors "
                              f"({first.aux_shapes} vs {layer.report.aux_shapes}); export them as separate bundles")


    about = About(
        id=bundle_id, title=args.title or bundle_id, license=args.license,
        source=args.source or f"weights file {Path(args.keras or args.weights).name}",
        description=args.description or f"{args.title or bundle_id}, brought in with the PandA exporter "
                                         f"({gen.family}).",
        command="npm run export -- " + " ".join(shlex.quote(a) for a in argv), weights=Path(args.keras or args.weights))
    data = manifest(about, gen, layers, image_range)
    with staged_folder(out) as folder:
        weights = SharedWeights(folder / data["weights"])
        files = []
        for k, (layer, cut, entry) in enumerate(zip(layers, cuts, data["layers"]), 1):
            def say(message, k=k, cut=cut):
                progress.step(f"split {k}/{len(cuts)} ({cut.name}): {message}")
            for graph, file in zip(export_cut(gen, cut, layer.report.image_shape, say), (entry["head"], entry["tail"])):
                onnx.save(weights.externalize(graph), str(folder / file))
                files.append(folder / file)
                del graph  # before the next trace: only the shared weights file keeps the weights
        weights.close()
        for file in files:
            progress.step(f"checking {file.name} (onnx.checker, full check)")
            check_file(file)
        write_texts(folder, data, model_card(about, gen, layers, data))
    print(f"wrote {out}/ ({len(layers)} layer{'s' if len(layers) > 1 else ''}; {data['weights']} {weights.size / 1e6:.1f} MB, "
          f"{weights.size / gen.state_bytes():.3f}× the generator's {gen.state_bytes()} bytes of float32 parameters and buffers)")


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = parser()
    args = p.parse_args(argv)
    check_source(p, args)
    progress.restart()
    if not args.debug:
        warnings.simplefilter("ignore")  # tracer warnings would bury the one-line result
    try:
        run(args, argv)
        return 0
    except ExportError as e:
        if args.debug:
            raise
        print(f"export: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    except Exception as e:
        if args.debug:
            raise
        print(f"export: internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1
