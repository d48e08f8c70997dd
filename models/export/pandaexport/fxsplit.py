"""The generic path: trace the generator with torch.fx and cut its graph at any node."""
import contextlib
import inspect
import io
from typing import Dict, Iterable, List, Optional, Set, Tuple

import torch
import torch.fx as fx
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from .errors import ExportError, first_line
from .generator import RESERVED_NAMES, Cut, Exportable, Latent, Truncation
from .imagerange import range_of_last_op
from .layout import nchw_nodes

# Attributes under which generators commonly keep their latent size.
_LATENT_ATTRS = ("z_dim", "latent_dim", "latent_size", "nz", "dim_z", "dimLatent", "style_dim")
_NOT_NCHW = "not N×C×H×W: channels-last or reshaped, no convolution reads or writes it"


class _ModuleStackTracer(fx.Tracer):
    """Records in node.meta['modules'] the module paths a node was traced in, so that a split
    point can also be named by a module (its last node is the module's output)."""

    def __init__(self):
        super().__init__()
        self._stack: List[str] = []

    def call_module(self, m, forward, args, kwargs):
        self._stack.append(self.path_of_module(m))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self._stack.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["modules"] = list(self._stack)
        return node

    def to_bool(self, obj):
        # pytorch/examples' DCGAN branches on `input.is_cuda and self.ngpu > 1`: the export runs on the CPU.
        node = obj.node
        if node.op == "call_function" and node.target is getattr and node.args[1:] == ("is_cuda",):
            return False
        return super().to_bool(obj)


def _trace(module: torch.nn.Module) -> fx.GraphModule:
    name = type(module).__name__
    params = list(inspect.signature(module.forward).parameters.values())
    positional = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not positional:
        raise ExportError(f"{name}.forward takes no latent argument")
    required = [p.name for p in positional[1:] if p.default is p.empty]
    if required:
        raise ExportError(f"{name}.forward needs more than the latent ({', '.join(required)}): "
                          "wrap it in a module whose forward(z) returns the image, or use --family")
    # Extra arguments are frozen at their defaults.
    concrete = {p.name: p.default for p in positional[1:]}
    tracer = _ModuleStackTracer()
    try:
        graph = tracer.trace(module, concrete_args=concrete or None)
    except Exception as e:
        raise ExportError(f"cannot trace {name} with torch.fx ({first_line(e)}); make its forward traceable "
                          "or use --family for a known GAN family") from e
    gm = fx.GraphModule(tracer.root, graph)
    gm.graph.eliminate_dead_code()  # e.g. the is_cuda test above
    gm.recompile()
    return gm


def _ancestors(outputs: Iterable[fx.Node], stop: Set[fx.Node]) -> Set[fx.Node]:
    seen: Set[fx.Node] = set()
    todo = list(outputs)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node not in stop:
            todo.extend(node.all_input_nodes)
    return seen


def _subgraph(gm: fx.GraphModule, inputs: Dict[fx.Node, str], outputs: List[fx.Node]) -> fx.GraphModule:
    """A module computing `outputs` from `inputs` (nodes of gm, given as named placeholders)."""
    graph = fx.Graph()
    env = {node: graph.placeholder(name) for node, name in inputs.items()}
    needed = _ancestors(outputs, stop=set(inputs))
    for node in gm.graph.nodes:
        if node in needed and node not in env:
            env[node] = graph.node_copy(node, lambda n: env[n])
    result = [env[n] for n in outputs]
    graph.output(result[0] if len(result) == 1 else tuple(result))
    return fx.GraphModule(gm, graph)


def _shape(node: fx.Node) -> Optional[Tuple[int, ...]]:
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape) if isinstance(meta, TensorMetadata) else None


def _op_name(node: fx.Node, gm: fx.GraphModule) -> str:
    if node.op == "call_module":
        return type(gm.get_submodule(node.target)).__name__.lower()
    return getattr(node.target, "__name__", str(node.target)).lower()


class FxGenerator(Exportable):
    def __init__(self, module: torch.nn.Module, latent: Optional[Latent], truncation_default: float):
        self.module = module
        self.gm = _trace(module)
        self.placeholder = next(n for n in self.gm.graph.nodes if n.op == "placeholder")
        self.latent = latent or Latent(self._guess_latent_size())
        self.truncation = Truncation("latent", truncation_default)
        if self.latent.dims:
            self._reshape_latent()
        self._propagate_shapes()
        self.image_node = self._find_image()
        self.image_range = range_of_last_op(self.image_node, _op_name(self.image_node, self.gm), self._module_of(self.image_node))
        self.nchw = nchw_nodes(self.gm.graph, _shape, lambda n: _op_name(n, self.gm))

    def _guess_latent_size(self) -> int:
        for attr in _LATENT_ATTRS:
            value = getattr(self.module, attr, None)
            if isinstance(value, int):
                return value
        # Otherwise the first layer that reads the latent tells its width.
        todo, seen = list(self.placeholder.users), set()
        while todo:
            node = todo.pop(0)
            if node in seen:
                continue
            seen.add(node)
            if node.op == "call_module":
                layer = self.gm.get_submodule(node.target)
                for attr in ("in_features", "in_channels"):
                    if isinstance(getattr(layer, attr, None), int):
                        return getattr(layer, attr)
            todo.extend(node.users)
        raise ExportError("cannot tell the latent size of this generator: pass --latent SIZE[:normal|uniform]")

    def _reshape_latent(self) -> None:
        """The bundle's z is [N, size]; the graph reshapes it to the generator's [N, *dims] first."""
        graph = self.gm.graph
        with graph.inserting_after(self.placeholder):
            shaped = graph.call_method("reshape", (self.placeholder, (-1, *self.latent.dims)))
        self.placeholder.replace_all_uses_with(shaped, delete_user_cb=lambda user: user is not shaped)
        shaped.meta.update(modules=[], latent=True)
        self.gm.recompile()

    def _generator_input(self, z: torch.Tensor) -> torch.Tensor:
        return z.reshape(-1, *self.latent.dims) if self.latent.dims else z

    def _works_on(self, z: torch.Tensor) -> bool:
        try:
            with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
                self.module(z)
            return True
        except Exception:
            return False

    def _propagate_shapes(self) -> None:
        z = self.latent.sample(2, seed=0)
        try:
            # ShapeProp prints a traceback of its own before raising; the CLI says it in one line.
            with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
                ShapeProp(self.gm).propagate(z)
        except Exception as e:
            shape = [2, *self.latent.shape]
            if not self.latent.dims and self._works_on(z.reshape(2, self.latent.size, 1, 1)):
                raise ExportError(f"the generator fails on a latent of shape {shape} but works on "
                                  f"[2, {self.latent.size}, 1, 1]: pass --latent {self.latent.size}x1x1:"
                                  f"{self.latent.distribution}") from e
            raise ExportError(f"the generator fails on a latent of shape {shape} "
                              f"(shape mismatch? check --latent): {first_line(e)}") from e

    def _find_image(self) -> fx.Node:
        output = next(n for n in self.gm.graph.nodes if n.op == "output")
        image = output.args[0]
        if isinstance(image, (tuple, list)) and image:
            image = image[0]  # e.g. (image, latents)
        shape = _shape(image) if isinstance(image, fx.Node) else None
        if shape is None or len(shape) != 4:
            raise ExportError(f"the generator's output is not an image N×C×H×W (shape {list(shape or [])})")
        return image

    def _module_of(self, node: fx.Node) -> Optional[torch.nn.Module]:
        return self.gm.get_submodule(node.target) if node.op == "call_module" else None

    def _module_outputs(self) -> Dict[str, fx.Node]:
        """Each module path traced through, with its output: the last node traced inside it."""
        outputs: Dict[str, fx.Node] = {}
        for node in self.gm.graph.nodes:
            for path in node.meta.get("modules", ()):
                outputs[path] = node
        return outputs

    def split_shapes(self):
        ends: Dict[fx.Node, List[str]] = {}
        for path, node in self._module_outputs().items():
            ends.setdefault(node, []).append(path)
        rows = []
        for node in self.gm.graph.nodes:
            shape = _shape(node)
            if node.op in ("placeholder", "output") or shape is None or node.meta.get("latent"):
                continue
            note = f"output of {', '.join(sorted(ends[node], key=len))}" if node in ends else ""
            if len(shape) != 4:
                note = f"{note} (not a feature map)".strip()
            elif node not in self.nchw:
                note = f"{note} ({_NOT_NCHW})".strip()
            rows.append((node.name, shape[1:], note))
        return rows

    def _resolve(self, name: str) -> fx.Node:
        nodes = [n for n in self.gm.graph.nodes if n.op not in ("placeholder", "output") and not n.meta.get("latent")]
        node = next((n for n in nodes if n.name == name), None) or self._module_outputs().get(name)
        if node is None:
            raise ExportError(f"unknown split point '{name}': not a node or module of the traced graph "
                              "(see --list-splits)")
        shape = _shape(node)
        if shape is None or len(shape) != 4:
            raise ExportError(f"split point '{name}' has shape {list(shape or [])}: a split needs a "
                              "feature map N×C×H×W")
        if node not in self.nchw:
            raise ExportError(f"split point '{name}' has shape {list(shape)} but is {_NOT_NCHW}; split where a "
                              "convolution writes or reads the features (see --list-splits)")
        return node

    def cut(self, name: str) -> Cut:
        split = self._resolve(name)
        nodes = list(self.gm.graph.nodes)
        # The tail is what depends on the split and leads to the image; everything else the tail
        # reads that depends on the latent is computed by the head and handed over as auxiliaries.
        after: Set[fx.Node] = {split}
        for node in nodes[nodes.index(split) + 1:]:
            if any(a in after for a in node.all_input_nodes):
                after.add(node)
        if self.image_node not in after:
            raise ExportError(f"the image does not depend on split point '{name}'")
        from_latent: Set[fx.Node] = {self.placeholder}
        for node in nodes:
            if any(a in from_latent for a in node.all_input_nodes):
                from_latent.add(node)
        tail_nodes = _ancestors([self.image_node], stop={split}) & after
        aux: List[fx.Node] = []
        for node in nodes:
            if node in tail_nodes and node is not split:
                aux += [a for a in node.all_input_nodes
                        if a not in after and a in from_latent and a not in aux]
        for a in aux:
            if _shape(a) is None:
                raise ExportError(f"the tail after '{name}' needs '{a.name}', a non-tensor value computed "
                                  "before the split; split later or compute it after the split")
        names = [f"aux_{a.name}" if a.name in RESERVED_NAMES else a.name for a in aux]
        head = _subgraph(self.gm, {self.placeholder: "z"}, [split] + aux)
        tail = _subgraph(self.gm, {split: "features", **dict(zip(aux, names))}, [self.image_node])
        return Cut(name, head, tail, names)

    def reference(self, z, psi):
        out = self.module(self._generator_input(z))
        return out[0] if isinstance(out, (tuple, list)) else out
