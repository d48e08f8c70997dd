"""ONNX export of one cut, with the tensor names of models/README.md and a dynamic batch axis."""
import gc
import io
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import onnx
import torch
from onnx import helper, numpy_helper

from .errors import ExportError, first_line
from .generator import Cut, Exportable
from .verify import head_args, truncations

OPSET = 17


def _export_bytes(module, args, input_names: List[str], output_names: List[str], params: bool = True) -> bytes:
    # No constant folding: it would store transposed or pre-scaled copies of weights beside the weights
    # (1.4× the parameters for StyleGAN2); ONNX Runtime folds them when it loads the graph.
    dynamic = {name: {0: "N"} for name in input_names + output_names if name != "truncation"}
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, args, buffer, opset_version=OPSET, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic, do_constant_folding=False,
                          export_params=params)
    return buffer.getvalue()


def _small(value) -> object:
    """Attribute or constant in a comparable form; large tensors (weights) only by their dims."""
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value).tolist() if value.ByteSize() <= 512 else list(value.dims)
    if isinstance(value, onnx.GraphProto):
        return _fingerprint_graph(value)
    return value


def _fingerprint_graph(graph: onnx.GraphProto):
    """The nodes with their attributes and constants. Initializers are left out: without constant folding
    they are the module's parameters and buffers, which cannot depend on the batch."""
    return [(n.op_type, [(a.name, _small(helper.get_attribute_value(a))) for a in n.attribute]) for n in graph.node]


def _batch_free(module, make_args, input_names, output_names) -> onnx.ModelProto:
    """Export traced at batch 2, and again at batch 1 (without the weights, only compared): a graph that
    changes holds the batch size as a constant (e.g. a grouped convolution with groups=batch) and would
    fail at other batch sizes. Tracing runs the module, so the export's peak memory is the activations of
    the larger batch: 2, not a third sample more (a 1024-px StyleGAN3-R tail holds ~6 GB per sample)."""
    first = onnx.load_from_string(_export_bytes(module, make_args(2), input_names, output_names))
    gc.collect()  # the trace's graph and activations, before the second trace needs them again
    second = onnx.load_from_string(_export_bytes(module, make_args(1), input_names, output_names, params=False))
    if _fingerprint_graph(first.graph) != _fingerprint_graph(second.graph):
        raise ExportError("the traced graph depends on the batch size (the batch is a constant in it, "
                          "e.g. a convolution with groups=batch); rewrite that layer batch-independently")
    return first


def _declare_shapes(model: onnx.ModelProto, shapes: Dict[str, Sequence[int]]) -> onnx.ModelProto:
    """Inputs and outputs with their static per-sample dims (torch leaves some symbolic, e.g. after
    a resize) and the batch axis named N, as the bundle loader reads them (in place)."""
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name == "truncation":  # [1], no batch axis
            continue
        for dim, size in zip(value.type.tensor_type.shape.dim, ["N", *shapes[value.name]]):
            dim.Clear()
            if size == "N":
                dim.dim_param = "N"
            else:
                dim.dim_value = size
    return model


def check_file(path: Path) -> None:
    """onnx.checker's full check (with shape inference) on a written graph, its external data included."""
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except Exception as e:
        raise ExportError(f"onnx.checker rejects {path.name}: {first_line(e)}") from e


def export_cut(gen: Exportable, cut: Cut, image_shape: Sequence[int],
               say: Callable[[str], None]) -> Iterator[onnx.ModelProto]:
    """The head, then the tail of one cut as ONNX models (weights inside), reporting each step through say.
    A generator: the caller stores (and drops) the head before the tail is traced, so a split's graphs and
    its weights are never in memory twice (and split k's never while split k+1 is traced).
    image_shape (C, H, W) is what the head∘tail check saw, so the tail does not run once more for it."""
    psi: Optional[float] = truncations(gen)[0]
    head_inputs = ["z"] if psi is None else ["z", "truncation"]
    tail_inputs = ["features"] + cut.aux

    def head_sample(n):
        return head_args(gen, gen.latent.sample(n, seed=1), psi)

    # the head's outputs at batch 2, run once: the tail's inputs (at batch 1 a slice) and their shapes
    with torch.no_grad():
        out = cut.head(*head_sample(2))
    head_outputs = tuple(out if isinstance(out, (tuple, list)) else (out,))
    del out
    shapes = {"z": [gen.latent.size], "image": list(image_shape),
              **{name: list(t.shape[1:]) for name, t in zip(tail_inputs, head_outputs)}}

    def traced(what, module, make_args, inputs, outputs):
        say(f"tracing the {what}")
        try:
            return _declare_shapes(_batch_free(module, make_args, inputs, outputs), shapes)
        except ExportError as e:
            raise ExportError(f"split '{cut.name}': {e}") from e
        except Exception as e:
            raise ExportError(f"ONNX export of split '{cut.name}' failed: {first_line(e)}") from e

    yield traced("head", cut.head, head_sample, head_inputs, tail_inputs)
    gc.collect()
    yield traced("tail", cut.tail, lambda n: tuple(t[:n] for t in head_outputs), tail_inputs, ["image"])
    gc.collect()
