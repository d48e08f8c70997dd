"""Which 4-D tensors of a traced generator are N×C×H×W feature maps. A 4-D shape alone does not say
so: a `view` to N×8×8×10 before a permute is channels-last, and splitting there would make a layer
of C = 8, H = 8, W = 10. A tensor is NCHW when a convolution-like op writes or reads it, or when a
layout-preserving op (activation, sum, product, slicing, …) connects it to one that is."""
from typing import Callable, Dict, Optional, Set, Tuple

import torch.fx as fx

# Ops that read their first input and write their output as N×C×H×W (module class or function names, lower case).
NCHW_OPS = {
    "conv2d", "convtranspose2d", "conv_transpose2d", "batchnorm2d", "batch_norm", "instancenorm2d",
    "instance_norm", "groupnorm", "group_norm", "upsample", "upsamplingnearest2d", "upsamplingbilinear2d",
    "interpolate", "maxpool2d", "avgpool2d", "max_pool2d", "avg_pool2d", "adaptiveavgpool2d",
    "adaptive_avg_pool2d", "pixelshuffle", "pixel_shuffle", "pixelunshuffle", "pixel_unshuffle",
    "reflectionpad2d", "replicationpad2d", "zeropad2d", "constantpad2d", "dropout2d",
}
# Ops after which an axis may mean something else.
LAYOUT_OPS = {
    "view", "reshape", "permute", "transpose", "flatten", "unflatten", "movedim", "moveaxis", "swapaxes",
    "swapdims", "unsqueeze", "squeeze", "expand", "expand_as", "linear", "matmul", "einsum", "bmm", "mm", "t",
    "stack", "getitem", "unfold", "fold",
}


def _slicing(node: fx.Node) -> bool:
    """x[:, :, a:b, c:d]: indexing by slices alone keeps every axis where it was."""
    index = node.args[1] if len(node.args) > 1 else None
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, slice) or i is Ellipsis for i in items)

Shape = Optional[Tuple[int, ...]]


def nchw_nodes(graph: fx.Graph, shape: Callable[[fx.Node], Shape], op_name: Callable[[fx.Node], str]) -> Set[fx.Node]:
    """The 4-D nodes known to be N×C×H×W."""
    nodes = list(graph.nodes)
    four = {n for n in nodes if (shape(n) or ()) and len(shape(n)) == 4}
    ops: Dict[fx.Node, str] = {n: op_name(n) for n in nodes if n.op not in ("placeholder", "output", "get_attr")}
    nchw: Set[fx.Node] = set()

    def preserving(n: fx.Node) -> bool:
        return n in ops and (ops[n] not in LAYOUT_OPS or (ops[n] == "getitem" and _slicing(n)))

    def read_as_nchw(n: fx.Node) -> bool:
        for user in n.users:
            if ops.get(user) in NCHW_OPS and user.args and user.args[0] is n:
                return True
            if user in nchw and preserving(user):
                return True
        return False

    changed = True
    while changed:  # forward from writers, backward from readers, until nothing changes
        changed = False
        for n in nodes:
            if n not in four or n in nchw:
                continue
            # a preserving op keeps the layout of an input of its own shape (a broadcast bias does not decide)
            inputs = [a for a in n.all_input_nodes if a in nchw and (shape(a) == shape(n) or ops.get(n) == "getitem")]
            written = ops.get(n) in NCHW_OPS or (preserving(n) and bool(inputs))
            if written or read_as_nchw(n):
                nchw.add(n)
                changed = True
    return nchw
