"""Keras HDF5 generators (Keras 2.x `model.save('G.h5')` and Keras 3's legacy `.h5`) as equivalent
PyTorch modules, for the same export path as --module.

A file holds the architecture as JSON in the root attribute `model_config` (Sequential or
Functional) and the weights under `model_weights/<layer>/`, in the order the layer group's
`weight_names` attribute lists. Keras computes channels-last (N×H×W×C); the module keeps 4-D
tensors N×C×H×W, so that convolutions are PyTorch's and every feature map is a split point, and
converts where the layout shows: Reshape, Flatten, Concatenate's axis, and the input. The traps of
a hand port are handled here: 'same' padding is TensorFlow's (the odd pixel goes at the end, also
for transposed convolutions), and bilinear upsampling uses half-pixel centres (TF 2)."""
import json
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .errors import ExportError

SUPPORTED = ("InputLayer", "Dense", "Reshape", "Flatten", "Conv2D", "Conv2DTranspose", "BatchNormalization",
             "UpSampling2D", "Activation", "ReLU", "LeakyReLU", "ELU", "Dropout", "Add", "Concatenate")

_ACTIVATIONS: Dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "elu": F.elu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),  # keras.activations.leaky_relu's default slope
}


def _activation(config: dict, layer: str) -> Callable[[torch.Tensor], torch.Tensor]:
    name = config.get("activation", "linear")
    if isinstance(name, dict):  # a serialised function object
        name = name.get("config", {}).get("name", name.get("class_name"))
    name = name or "linear"
    if name not in _ACTIVATIONS:
        raise ExportError(f"Keras layer '{layer}': activation '{name}' is not supported "
                          f"(supported: {', '.join(_ACTIVATIONS)})")
    return _ACTIVATIONS[name]


def _pair(value) -> Tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, float)) else (int(value[0]), int(value[1]))


def _same_pads(size: int, kernel: int, stride: int) -> Tuple[int, int]:
    """TensorFlow's 'same' padding of a convolution: the odd pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _nhwc_to_internal(x: torch.Tensor, rank: int) -> torch.Tensor:
    """rank: of the tensor with its batch axis, known when converting (tracing cannot branch on x)."""
    return x.permute(0, 3, 1, 2) if rank == 4 else x


def _internal_to_nhwc(x: torch.Tensor, rank: int) -> torch.Tensor:
    return x.permute(0, 2, 3, 1) if rank == 4 else x


def _assign(param: torch.Tensor, value: np.ndarray, what: str) -> torch.Tensor:
    if tuple(value.shape) != tuple(param.shape):
        raise ExportError(f"{what} has shape {list(value.shape)}, the layer's config needs {list(param.shape)}")
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


class KerasDense(nn.Module):
    def __init__(self, config: dict, name: str, in_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, int(config["units"]), bias=config.get("use_bias", True))
        self.activation = _activation(config, name)

    def forward(self, x):
        return self.activation(self.linear(x))

    def load(self, w: Dict[str, np.ndarray]):
        self.linear.weight.data = _assign(self.linear.weight, w["kernel"].T, "kernel (transposed)")
        if self.linear.bias is not None:
            self.linear.bias.data = _assign(self.linear.bias, w["bias"], "bias")


class KerasConv2D(nn.Module):
    def __init__(self, config: dict, name: str, in_channels: int, in_hw: Tuple[int, int]):
        super().__init__()
        kernel, stride, dilation = _pair(config["kernel_size"]), _pair(config.get("strides", 1)), _pair(config.get("dilation_rate", 1))
        self.conv = nn.Conv2d(in_channels, int(config["filters"]), kernel, stride, 0, dilation,
                              groups=int(config.get("groups", 1)), bias=config.get("use_bias", True))
        self.pad = (0, 0, 0, 0)
        if config.get("padding", "valid") == "same":
            effective = [dilation[i] * (kernel[i] - 1) + 1 for i in range(2)]
            top, bottom = _same_pads(in_hw[0], effective[0], stride[0])
            left, right = _same_pads(in_hw[1], effective[1], stride[1])
            self.pad = (left, right, top, bottom)
        self.activation = _activation(config, name)

    def forward(self, x):
        if any(self.pad):
            x = F.pad(x, self.pad)
        return self.activation(self.conv(x))

    def load(self, w: Dict[str, np.ndarray]):
        # kh kw in out → out in kh kw
        self.conv.weight.data = _assign(self.conv.weight, w["kernel"].transpose(3, 2, 0, 1), "kernel (as out, in, kh, kw)")
        if self.conv.bias is not None:
            self.conv.bias.data = _assign(self.conv.bias, w["bias"], "bias")


def _transposed_length(size: int, kernel: int, stride: int, padding: str, output_padding: Optional[int]) -> int:
    """keras' deconv_output_length."""
    if output_padding is None:
        return size * stride + max(kernel - stride, 0) if padding == "valid" else size * stride
    pad = kernel // 2 if padding == "same" else 0
    return (size - 1) * stride + kernel - 2 * pad + output_padding


class KerasConv2DTranspose(nn.Module):
    """The full transposed convolution, cropped (or extended) to Keras' output size as TensorFlow
    does: 'same' crops the first ⌊total/2⌋ rows and columns; the bias comes after, as in TF."""

    def __init__(self, config: dict, name: str, in_channels: int, in_hw: Tuple[int, int]):
        super().__init__()
        kernel, stride, dilation = _pair(config["kernel_size"]), _pair(config.get("strides", 1)), _pair(config.get("dilation_rate", 1))
        self.conv = nn.ConvTranspose2d(in_channels, int(config["filters"]), kernel, stride, 0, dilation=dilation, bias=False)
        self.bias = nn.Parameter(torch.zeros(int(config["filters"]))) if config.get("use_bias", True) else None
        padding = config.get("padding", "valid")
        output_padding = config.get("output_padding")
        crop, extend = [], []  # per spatial axis: (start, target length); zeros appended to the full output
        for i in range(2):
            effective = dilation[i] * (kernel[i] - 1) + 1
            full = (in_hw[i] - 1) * stride[i] + effective
            target = _transposed_length(in_hw[i], effective, stride[i], padding,
                                        None if output_padding is None else _pair(output_padding)[i])
            start = max(full - target, 0) // 2 if padding == "same" else 0
            crop.append((start, target))
            extend.append(max(start + target - full, 0))  # a kernel smaller than the stride: TF's output is longer
        self.crop, self.extend = crop, extend
        self.activation = _activation(config, name)

    def forward(self, x):
        y = self.conv(x)
        (top, height), (left, width) = self.crop
        if any(self.extend):
            y = F.pad(y, (0, self.extend[1], 0, self.extend[0]))
        y = y[:, :, top:top + height, left:left + width]
        if self.bias is not None:
            y = y + self.bias.view(1, -1, 1, 1)
        return self.activation(y)

    def load(self, w: Dict[str, np.ndarray]):
        # kh kw out in → in out kh kw
        self.conv.weight.data = _assign(self.conv.weight, w["kernel"].transpose(3, 2, 0, 1), "kernel (as in, out, kh, kw)")
        if self.bias is not None:
            self.bias.data = _assign(self.bias, w["bias"], "bias")


class KerasBatchNorm(nn.Module):
    """Inference batch norm over the channels (axis −1: features of a vector, channels of an image)."""

    def __init__(self, config: dict, name: str, rank: int, channels: int):
        super().__init__()
        axis = config.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if axis not in (-1, rank - 1):
            raise ExportError(f"Keras layer '{name}': BatchNormalization over axis {axis} is not supported (only the last axis)")
        self.norm = (nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d)(channels, eps=float(config.get("epsilon", 1e-3)))
        self.scale, self.center = config.get("scale", True), config.get("center", True)

    def forward(self, x):
        return self.norm(x)

    def load(self, w: Dict[str, np.ndarray]):
        norm = self.norm
        if self.scale:
            norm.weight.data = _assign(norm.weight, w["gamma"], "gamma")
        if self.center:
            norm.bias.data = _assign(norm.bias, w["beta"], "beta")
        norm.running_mean.data = _assign(norm.running_mean, w["moving_mean"], "moving_mean")
        norm.running_var.data = _assign(norm.running_var, w["moving_variance"], "moving_variance")


class KerasReshape(nn.Module):
    """Reshapes in Keras' channels-last order: an N×C×H×W input goes to N×H×W×C first, a 4-D result back."""

    def __init__(self, in_rank: int, target: Sequence[int]):
        super().__init__()
        self.in_rank, self.target = in_rank, tuple(int(t) for t in target)

    def forward(self, x):
        y = _internal_to_nhwc(x, self.in_rank).reshape(-1, *self.target)
        return _nhwc_to_internal(y, len(self.target) + 1)


class KerasFlatten(nn.Module):
    def __init__(self, in_rank: int):
        super().__init__()
        self.in_rank = in_rank

    def forward(self, x):
        return _internal_to_nhwc(x, self.in_rank).flatten(1)  # Keras flattens H, W, C in that order


class KerasUpSampling2D(nn.Module):
    def __init__(self, config: dict, name: str):
        super().__init__()
        self.size = _pair(config.get("size", 2))
        self.mode = config.get("interpolation", "nearest")
        if self.mode not in ("nearest", "bilinear"):
            raise ExportError(f"Keras layer '{name}': UpSampling2D interpolation '{self.mode}' is not supported (nearest, bilinear)")

    def forward(self, x):
        if self.mode == "nearest":
            return F.interpolate(x, scale_factor=self.size, mode="nearest")
        return F.interpolate(x, scale_factor=self.size, mode="bilinear", align_corners=False)  # half-pixel centres, as TF 2


class KerasActivation(nn.Module):
    def __init__(self, function: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


class KerasAdd(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class KerasConcatenate(nn.Module):
    def __init__(self, axis: int, rank: int):
        super().__init__()
        axis = axis % rank
        self.dim = {3: 1, 1: 2, 2: 3}[axis] if rank == 4 else axis  # Keras' NHWC axis in N×C×H×W

    def forward(self, *xs):
        return torch.cat(xs, dim=self.dim)


def _relu(config: dict, name: str):
    slope = float(config.get("negative_slope", 0.0) or 0.0)
    threshold = float(config.get("threshold", 0.0) or 0.0)
    max_value = config.get("max_value")
    if threshold != 0.0:
        raise ExportError(f"Keras layer '{name}': ReLU with a threshold is not supported")

    def relu(x):
        y = F.leaky_relu(x, slope) if slope else torch.relu(x)
        return torch.clamp(y, max=float(max_value)) if max_value is not None else y
    return relu


# ---- the file -----------------------------------------------------------------------------------

def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _attribute_list(group, name: str) -> List[str]:
    """A list attribute, which Keras splits into name0, name1, … when it is large."""
    if name in group.attrs:
        return [_text(v) for v in group.attrs[name]]
    values, chunk = [], 0
    while f"{name}{chunk}" in group.attrs:
        values += [_text(v) for v in group.attrs[f"{name}{chunk}"]]
        chunk += 1
    return values


def _keras_tensors(value) -> List[Tuple[str, int, int]]:
    """(layer, node, tensor) of every input a Keras 3 node's args name, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            layer, node, tensor = value["config"]["keras_history"]
            return [(layer, int(node), int(tensor))]
        return [t for v in value.values() for t in _keras_tensors(v)]
    if isinstance(value, list):
        return [t for v in value for t in _keras_tensors(v)]
    return []


def _inbound(layer: dict) -> List[str]:
    """Names of the layers feeding a functional model's layer (Keras 2 lists or Keras 3 dicts)."""
    nodes = layer.get("inbound_nodes") or []
    if len(nodes) > 1:
        raise ExportError(f"Keras layer '{layer['config']['name']}' is called {len(nodes)} times; shared layers are not supported")
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3
        return [t[0] for t in _keras_tensors(node.get("args", []))]
    return [entry[0] for entry in node]  # Keras 2: [[name, node, tensor, kwargs], …]


def _endpoints(value) -> List[str]:
    """input_layers / output_layers: [name, node, tensor] or a list of them."""
    if value and isinstance(value[0], str):
        return [value[0]]
    return [v[0] for v in value]


def _graph(model_config: dict) -> Tuple[List[dict], List[str], str]:
    """(layers in call order, each with 'inputs'; the input layer names; the output layer name)."""
    kind = model_config.get("class_name")
    config = model_config.get("config")
    if kind == "Sequential":
        layers = config if isinstance(config, list) else config["layers"]  # Keras ≤ 2.2 kept a bare list
        ordered, previous = [], None
        for layer in layers:
            name = layer["config"]["name"]
            entry = dict(layer, name=name, inputs=[previous] if previous else [])
            ordered.append(entry)
            previous = name
        if ordered and ordered[0]["class_name"] != "InputLayer":
            shape = ordered[0]["config"].get("batch_input_shape") or ordered[0]["config"].get("batch_shape")
            if shape is None:
                build = (ordered[0].get("build_config") or {}).get("input_shape") or config.get("build_input_shape")
                shape = build
            if shape is None:
                raise ExportError("the Keras model does not record its input shape (batch_input_shape)")
            first = {"class_name": "InputLayer", "name": "input", "config": {"name": "input", "batch_shape": shape}, "inputs": []}
            ordered[0]["inputs"] = ["input"]
            ordered.insert(0, first)
        return ordered, [ordered[0]["name"]], ordered[-1]["name"]
    if kind in ("Functional", "Model"):
        ordered = [dict(layer, name=layer.get("name", layer["config"]["name"]), inputs=_inbound(layer)) for layer in config["layers"]]
        inputs, outputs = _endpoints(config["input_layers"]), _endpoints(config["output_layers"])
        if len(inputs) != 1 or len(outputs) != 1:
            raise ExportError(f"the Keras model has {len(inputs)} inputs and {len(outputs)} outputs; a generator has one of each")
        return ordered, inputs, outputs[0]
    raise ExportError(f"the Keras model is a {kind}; only Sequential and Functional models can be read")


class KerasGenerator(nn.Module):
    """forward(z [N, size]) → image N×C×H×W, running the Keras layers in order."""

    def __init__(self, model_config: dict):
        super().__init__()
        layers, inputs, output = _graph(model_config)
        self.plan: List[Tuple[str, List[str]]] = []  # (module attribute, input attributes)
        self.attrs: Dict[str, str] = {}  # Keras layer name → module attribute
        shapes: Dict[str, Tuple[int, ...]] = {}  # Keras (channels-last) shape per sample
        self.latent_dims: Tuple[int, ...] = ()
        for layer in layers:
            kind, name, config = layer["class_name"], layer["name"], layer["config"]
            attr = name if name.isidentifier() and not hasattr(nn.Module, name) else f"k_{len(self.attrs)}"
            self.attrs[name] = attr
            if kind == "InputLayer":
                shape = config.get("batch_shape") or config.get("batch_input_shape")
                self.latent_dims = tuple(int(d) for d in shape[1:])
                self.input_attr = attr
                shapes[name] = self.latent_dims
                continue
            missing = [i for i in layer["inputs"] if i not in shapes]
            if missing or not layer["inputs"]:
                raise ExportError(f"Keras layer '{name}' reads {missing or 'nothing'}, which is not computed before it")
            in_shapes = [shapes[i] for i in layer["inputs"]]
            module, shape = self._convert(kind, name, config, in_shapes)
            self.add_module(attr, module)
            self.plan.append((attr, [self.attrs[i] for i in layer["inputs"]]))
            shapes[name] = shape
        if inputs[0] not in self.attrs or output not in self.attrs:
            raise ExportError("the Keras model's input or output layer is not among its layers")
        self.output_attr = self.attrs[output]
        self.latent_size = int(np.prod(self.latent_dims))
        out_shape = shapes[output]
        if len(out_shape) != 3:
            raise ExportError(f"the Keras model's output has shape {list(out_shape)} per sample, not an image H×W×C")
        self.keras_layers = layers

    @staticmethod
    def _convert(kind: str, name: str, config: dict, in_shapes: List[Tuple[int, ...]]):
        shape = in_shapes[0]
        if config.get("data_format", "channels_last") != "channels_last":
            raise ExportError(f"Keras layer '{name}': data_format {config['data_format']} is not supported (channels_last only)")
        if kind == "Dense":
            if len(shape) != 1:
                raise ExportError(f"Keras layer '{name}': Dense on a {len(shape)}-D input is not supported (flatten first)")
            return KerasDense(config, name, shape[0]), (int(config["units"]),)
        if kind in ("Conv2D", "Conv2DTranspose"):
            if len(shape) != 3:
                raise ExportError(f"Keras layer '{name}': {kind} needs an H×W×C input, got {list(shape)}")
            cls = KerasConv2D if kind == "Conv2D" else KerasConv2DTranspose
            module = cls(config, name, shape[2], shape[:2])
            with torch.no_grad():
                out = module(torch.zeros(1, shape[2], shape[0], shape[1]))
            return module, (out.shape[2], out.shape[3], out.shape[1])
        if kind == "BatchNormalization":
            return KerasBatchNorm(config, name, len(shape) + 1, shape[-1]), shape
        if kind == "Reshape":
            target = tuple(int(t) for t in config["target_shape"])
            if -1 in target:
                known = int(np.prod([t for t in target if t != -1]))
                target = tuple(int(np.prod(shape)) // known if t == -1 else t for t in target)
            if int(np.prod(target)) != int(np.prod(shape)):
                raise ExportError(f"Keras layer '{name}': cannot reshape {list(shape)} to {list(target)}")
            return KerasReshape(len(shape) + 1, target), target
        if kind == "Flatten":
            return KerasFlatten(len(shape) + 1), (int(np.prod(shape)),)
        if kind == "UpSampling2D":
            size = _pair(config.get("size", 2))
            return KerasUpSampling2D(config, name), (shape[0] * size[0], shape[1] * size[1], shape[2])
        if kind == "Activation":
            return KerasActivation(_activation(config, name)), shape
        if kind == "ReLU":
            return KerasActivation(_relu(config, name)), shape
        if kind == "LeakyReLU":
            slope = float(config.get("negative_slope", config.get("alpha", 0.3)))
            return KerasActivation(lambda x: F.leaky_relu(x, slope)), shape
        if kind == "ELU":
            alpha = float(config.get("alpha", 1.0))
            return KerasActivation(lambda x: F.elu(x, alpha)), shape
        if kind == "Dropout":
            return KerasActivation(lambda x: x), shape
        if kind == "Add":
            if len(set(in_shapes)) != 1:
                raise ExportError(f"Keras layer '{name}': Add of different shapes {[list(s) for s in in_shapes]}")
            return KerasAdd(), shape
        if kind == "Concatenate":
            axis = int(config.get("axis", -1)) % (len(shape) + 1)
            if axis == 0:
                raise ExportError(f"Keras layer '{name}': Concatenate along the batch axis is not supported")
            out = list(shape)
            out[axis - 1] = sum(s[axis - 1] for s in in_shapes)
            return KerasConcatenate(axis, len(shape) + 1), tuple(out)
        raise ExportError(f"Keras layer '{name}' is a {kind}, which the Keras import does not support "
                          f"(supported: {', '.join(SUPPORTED)})")

    def forward(self, z):
        values = {self.input_attr: _nhwc_to_internal(z.reshape(-1, *self.latent_dims), len(self.latent_dims) + 1)}
        for attr, inputs in self.plan:
            values[attr] = getattr(self, attr)(*[values[i] for i in inputs])
        return values[self.output_attr]


def _weights(group) -> Dict[str, np.ndarray]:
    """A layer's weights by their short name (kernel, bias, gamma, …), whatever path Keras gave them."""
    out = {}
    for full in _attribute_list(group, "weight_names"):
        short = full.split("/")[-1].split(":")[0]
        out[short] = np.asarray(group[full], dtype=np.float32)
    return out


def load_keras(path: str) -> KerasGenerator:
    file = Path(path)
    if file.is_dir():
        raise ExportError(f"--keras: {path} is a folder (a TensorFlow SavedModel?); load it in Keras and save it "
                          "whole as HDF5: model.save('G.h5')")
    if not file.is_file():
        raise ExportError(f"--keras: file not found: {path}")
    if zipfile.is_zipfile(file):
        raise ExportError(f"--keras: {file.name} is a Keras 3 .keras archive, which is not read; save the model "
                          "as HDF5 with model.save('G.h5')")
    try:
        import h5py
    except ImportError as e:
        raise ExportError("--keras needs h5py (Debian: python3-h5py)") from e
    try:
        h5 = h5py.File(str(file), "r")
    except OSError as e:
        raise ExportError(f"--keras: {file.name} is not an HDF5 file ({e})") from e
    with h5:
        if "model_config" not in h5.attrs:
            raise ExportError(f"--keras: {file.name} holds no model_config (weights only, from save_weights?); "
                              "save the whole model with model.save('G.h5')")
        try:
            model_config = json.loads(_text(h5.attrs["model_config"]))
        except json.JSONDecodeError as e:
            raise ExportError(f"--keras: the model_config of {file.name} is not JSON: {e}") from e
        generator = KerasGenerator(model_config)
        weights = h5["model_weights"] if "model_weights" in h5 else h5
        for layer in generator.keras_layers:
            module = getattr(generator, generator.attrs[layer["name"]], None)
            if not hasattr(module, "load"):
                continue
            if layer["name"] not in weights:
                raise ExportError(f"--keras: {file.name} has no weights for layer '{layer['name']}'")
            values = _weights(weights[layer["name"]])
            try:
                module.load(values)
            except KeyError as e:
                raise ExportError(f"--keras: layer '{layer['name']}' lacks its weight {e} "
                                  f"(found: {', '.join(values) or 'none'})") from e
            except ExportError as e:
                raise ExportError(f"--keras: layer '{layer['name']}': {e}") from e
        keras_version = _text(h5.attrs.get("keras_version", "?"))
    generator.keras_version = keras_version
    return generator.float().eval()
