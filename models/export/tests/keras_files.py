"""Keras HDF5 generator files written with h5py as Keras 2.x and Keras 3 (legacy `.h5`) lay them out
(Keras is not installable here), and the layers' maths in numpy, channels-last as Keras computes
it, independent of the converter.

A model is a list of Layer(kind, config, weights, inputs); weights are numpy arrays in the order
Keras saves them (kernel, bias; gamma, beta, moving_mean, moving_variance)."""
import json
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import h5py
import numpy as np


@dataclass
class Layer:
    kind: str
    name: str
    config: dict
    weights: Dict[str, np.ndarray] = field(default_factory=dict)  # short name → value, in save order
    inputs: List[str] = field(default_factory=list)  # functional models; Sequential: the previous layer


# ---- the files ----------------------------------------------------------------------------------

def _layer_entry(layer: Layer, version: int, functional: bool, shapes: Dict[str, list]) -> dict:
    config = dict(layer.config, name=layer.name, trainable=True)
    if version == 3 and layer.kind == "InputLayer":  # Keras 3's name for it
        config["batch_shape"] = config.pop("batch_input_shape")
    if version == 3:
        config["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
        entry = {"module": "keras.layers", "class_name": layer.kind, "config": config, "registered_name": None}
        if layer.kind != "InputLayer":
            entry["build_config"] = {"input_shape": shapes[layer.inputs[0]] if layer.inputs else None}
    else:
        config["dtype"] = "float32"
        entry = {"class_name": layer.kind, "config": config}
    if functional:
        entry["name"] = layer.name
        if version == 3:
            tensors = [{"class_name": "__keras_tensor__",
                        "config": {"shape": shapes[i], "dtype": "float32", "keras_history": [i, 0, 0]}} for i in layer.inputs]
            entry["inbound_nodes"] = [{"args": [tensors if len(tensors) > 1 else tensors[0]], "kwargs": {}}] if tensors else []
        else:
            entry["inbound_nodes"] = [[[i, 0, 0, {}] for i in layer.inputs]] if layer.inputs else []
    return entry


def write_keras(path, layers: Sequence[Layer], version: int, functional: bool, shapes: Dict[str, list],
                input_layer: bool = True) -> None:
    """shapes: each layer's output shape with a null batch axis (what Keras 3 records in its configs).
    input_layer False writes the Keras ≤ 2.3 Sequential form: no InputLayer, batch_input_shape on the first layer."""
    entries = [_layer_entry(l, version, functional, shapes) for l in layers]
    if not input_layer:
        first = layers[0]
        assert first.kind == "InputLayer" and not functional
        entries = entries[1:]
        entries[0]["config"]["batch_input_shape"] = first.config["batch_input_shape"]
    name = "functional" if functional else "sequential"
    if functional:
        ins, outs = [[layers[0].name, 0, 0]], [[layers[-1].name, 0, 0]]
        config = {"name": name, "trainable": True, "layers": entries,
                  "input_layers": ins[0] if version == 3 else ins, "output_layers": outs[0] if version == 3 else outs}
        model_config = {"class_name": "Functional" if version == 3 else "Model", "config": config}
    else:
        model_config = {"class_name": "Sequential", "config": {"name": name, "layers": entries}}
    keras_version = "3.3.3" if version == 3 else "2.4.0"
    with h5py.File(str(path), "w") as f:
        f.attrs["keras_version"] = keras_version.encode() if version == 2 else keras_version
        f.attrs["backend"] = b"tensorflow" if version == 2 else "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [l.name.encode("utf8") for l in layers]
        for layer in sorted(layers, key=lambda l: l.name):
            g = group.create_group(layer.name)
            if version == 3:  # variable paths: "<model>/<layer>/<weight>" or "<layer>/<weight>"
                names = [f"{name}/{layer.name}/{w}" if functional else f"{layer.name}/{w}" for w in layer.weights]
            else:
                names = [f"{layer.name}/{w}:0" for w in layer.weights]
            g.attrs["weight_names"] = np.array([n.encode("utf8") for n in names], dtype="S")
            for n, value in zip(names, layer.weights.values()):
                g.create_dataset(n, data=value.astype(np.float32))


def write_weights_only(path, layers: Sequence[Layer]) -> None:
    """model.save_weights('G.h5'): layer groups at the root, no model_config."""
    with h5py.File(str(path), "w") as f:
        f.attrs["layer_names"] = [l.name.encode("utf8") for l in layers]
        for layer in layers:
            f.create_group(layer.name).attrs["weight_names"] = np.array([], dtype="S")


# ---- the maths, channels-last -------------------------------------------------------------------

def _act(x, name):
    return {"linear": lambda v: v, "relu": lambda v: np.maximum(v, 0), "tanh": np.tanh,
            "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "elu": lambda v: np.where(v > 0, v, np.expm1(v))}[name](x)


def _same(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, bias, stride, padding):
    kh, kw = kernel.shape[:2]
    if padding == "same":
        (t, b), (l, r) = _same(x.shape[1], kh, stride), _same(x.shape[2], kw, stride)
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, kernel.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.einsum("nabc,abcd->nd", patch, kernel)
    return out + (0 if bias is None else bias)


def conv2d_transpose(x, kernel, bias, stride, padding, output_padding=None):
    """Each input pixel scatters kernel·value; the full output is cropped to Keras' size, TF's way."""
    output_padding = output_padding[0] if isinstance(output_padding, list) else output_padding
    kh, kw, cout = kernel.shape[0], kernel.shape[1], kernel.shape[2]
    n, h, w, _ = x.shape
    full = np.zeros((n, (h - 1) * stride + kh, (w - 1) * stride + kw, cout))
    for i in range(h):
        for j in range(w):
            full[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :] += np.einsum("nc,abdc->nabd", x[:, i, j, :], kernel)

    def length(size, k):
        if output_padding is None:
            return size * stride + max(k - stride, 0) if padding == "valid" else size * stride
        return (size - 1) * stride + k - 2 * (k // 2 if padding == "same" else 0) + output_padding

    th, tw = length(h, kh), length(w, kw)
    top = max(full.shape[1] - th, 0) // 2 if padding == "same" else 0
    left = max(full.shape[2] - tw, 0) // 2 if padding == "same" else 0
    full = np.pad(full, ((0, 0), (0, max(top + th - full.shape[1], 0)), (0, max(left + tw - full.shape[2], 0)), (0, 0)))
    return full[:, top:top + th, left:left + tw, :] + (0 if bias is None else bias)


def upsample(x, size, interpolation):
    if interpolation == "nearest":
        return x.repeat(size[0], axis=1).repeat(size[1], axis=2)
    out = x
    for axis, factor in ((1, size[0]), (2, size[1])):  # tf.image.resize bilinear, half-pixel centres
        n_in = out.shape[axis]
        src = (np.arange(n_in * factor) + 0.5) / factor - 0.5
        low = np.clip(np.floor(src), 0, n_in - 1).astype(int)
        high = np.clip(np.ceil(src), 0, n_in - 1).astype(int)
        frac = (src - np.floor(src)).reshape([-1 if a == axis else 1 for a in range(4)])
        out = np.take(out, low, axis=axis) * (1 - frac) + np.take(out, high, axis=axis) * frac
    return out


def forward(layers: Sequence[Layer], z: np.ndarray) -> np.ndarray:
    """The Keras model on z (N × input shape), channels-last; returns N×H×W×C."""
    values = {}
    previous = None
    for layer in layers:
        c, w = layer.config, layer.weights
        inputs = [values[i] for i in (layer.inputs or ([previous] if previous else []))]
        x = inputs[0] if inputs else None
        k = layer.kind
        if k == "InputLayer":
            y = z.reshape(-1, *c["batch_input_shape"][1:])
        elif k == "Dense":
            y = _act(x @ w["kernel"] + (w["bias"] if "bias" in w else 0), c.get("activation", "linear"))
        elif k == "Conv2D":
            y = _act(conv2d(x, w["kernel"], w.get("bias"), c["strides"][0], c["padding"]), c.get("activation", "linear"))
        elif k == "Conv2DTranspose":
            y = _act(conv2d_transpose(x, w["kernel"], w.get("bias"), c["strides"][0], c["padding"], c.get("output_padding")),
                     c.get("activation", "linear"))
        elif k == "BatchNormalization":
            y = w["gamma"] * (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + c["epsilon"]) + w["beta"]
        elif k == "Reshape":
            y = x.reshape(-1, *c["target_shape"])
        elif k == "Flatten":
            y = x.reshape(x.shape[0], -1)
        elif k == "UpSampling2D":
            y = upsample(x, c["size"], c["interpolation"])
        elif k == "Activation":
            y = _act(x, c["activation"])
        elif k == "ReLU":
            y = np.maximum(x, 0)
        elif k == "LeakyReLU":
            slope = c.get("negative_slope", c.get("alpha"))
            y = np.where(x > 0, x, slope * x)
        elif k == "ELU":
            y = np.where(x > 0, x, c["alpha"] * np.expm1(x))
        elif k == "Dropout":
            y = x
        elif k == "Add":
            y = sum(inputs)
        elif k == "Concatenate":
            y = np.concatenate(inputs, axis=c["axis"])
        else:
            raise ValueError(k)
        values[layer.name] = y
        previous = layer.name
    return values[layers[-1].name]


# ---- architectures ------------------------------------------------------------------------------

def _w(rng, *shape, scale=0.3):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _bn(rng, name, channels, inputs=()):
    return Layer("BatchNormalization", name, {"axis": -1, "momentum": 0.99, "epsilon": 1e-3, "center": True, "scale": True},
                 {"gamma": 1 + _w(rng, channels, scale=0.1), "beta": _w(rng, channels, scale=0.1),
                  "moving_mean": _w(rng, channels, scale=0.1), "moving_variance": 0.5 + np.abs(_w(rng, channels))},
                 list(inputs))


def dcgan_keras2(seed=0) -> Tuple[List[Layer], int]:
    """The TensorFlow DCGAN tutorial's shape: Dense → BN → LeakyReLU → Reshape(4, 4, 32) → two 'same'
    transposed convolutions with stride 2 (kernel 4, then kernel 5: an odd crop) → tanh; 16×16×3."""
    rng = np.random.default_rng(seed)
    layers = [
        Layer("InputLayer", "input_1", {"batch_input_shape": [None, 16], "sparse": False}),
        Layer("Dense", "dense", {"units": 512, "activation": "linear", "use_bias": False}, {"kernel": _w(rng, 16, 512)}),
        _bn(rng, "batch_normalization", 512),
        Layer("LeakyReLU", "leaky_re_lu", {"alpha": 0.2}),
        Layer("Reshape", "reshape", {"target_shape": [4, 4, 32]}),
        Layer("Conv2DTranspose", "conv2d_transpose", {"filters": 16, "kernel_size": [4, 4], "strides": [2, 2], "padding": "same",
                                                      "data_format": "channels_last", "activation": "linear", "use_bias": False,
                                                      "output_padding": None, "dilation_rate": [1, 1]},
              {"kernel": _w(rng, 4, 4, 16, 32, scale=0.1)}),
        _bn(rng, "batch_normalization_1", 16),
        Layer("ReLU", "re_lu", {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}),
        Layer("Conv2DTranspose", "conv2d_transpose_1", {"filters": 3, "kernel_size": [5, 5], "strides": [2, 2], "padding": "same",
                                                        "data_format": "channels_last", "activation": "tanh", "use_bias": True,
                                                        "output_padding": None, "dilation_rate": [1, 1]},
              {"kernel": _w(rng, 5, 5, 3, 16, scale=0.1), "bias": _w(rng, 3, scale=0.1)}),
    ]
    return layers, 16


def upsampling_keras3(seed=1) -> Tuple[List[Layer], int]:
    """Dense → Reshape(4, 4, 8) → bilinear ×2 → Conv2D 'same' → BN → ELU → Dropout → nearest ×2 →
    Conv2D stride 2 'same' (asymmetric padding) → nearest ×2 → Conv2D 'valid' → sigmoid; 14×14×3."""
    rng = np.random.default_rng(seed)
    conv = lambda name, f, k, s, pad, act, cin: Layer(  # noqa: E731
        "Conv2D", name, {"filters": f, "kernel_size": [k, k], "strides": [s, s], "padding": pad, "data_format": "channels_last",
                         "dilation_rate": [1, 1], "groups": 1, "activation": act, "use_bias": True},
        {"kernel": _w(rng, k, k, cin, f, scale=0.2), "bias": _w(rng, f, scale=0.1)})
    layers = [
        Layer("InputLayer", "input_layer", {"batch_input_shape": [None, 12], "sparse": False}),
        Layer("Dense", "dense", {"units": 128, "activation": "relu", "use_bias": True}, {"kernel": _w(rng, 12, 128), "bias": _w(rng, 128, scale=0.1)}),
        Layer("Reshape", "reshape", {"target_shape": [4, 4, 8]}),
        Layer("UpSampling2D", "up_sampling2d", {"size": [2, 2], "data_format": "channels_last", "interpolation": "bilinear"}),
        conv("conv2d", 8, 3, 1, "same", "linear", 8),
        _bn(rng, "batch_normalization", 8),
        Layer("ELU", "elu", {"alpha": 1.0}),
        Layer("Dropout", "dropout", {"rate": 0.3, "seed": None, "noise_shape": None}),
        Layer("UpSampling2D", "up_sampling2d_1", {"size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"}),
        conv("conv2d_1", 6, 3, 2, "same", "relu", 8),  # 16 → 8 with TF's asymmetric padding
        Layer("UpSampling2D", "up_sampling2d_2", {"size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"}),
        conv("conv2d_2", 3, 3, 1, "valid", "linear", 6),
        Layer("Activation", "activation", {"activation": "sigmoid"}),
    ]
    return layers, 12


def functional_keras2(seed=2) -> Tuple[List[Layer], int]:
    """A functional model: Dense → Reshape(4, 4, 8) → a 'valid' transposed convolution (4 → 9) with
    ReLU → a branch of two convolutions added back → Conv2D 'valid' 2×2 (9 → 8) → tanh."""
    rng = np.random.default_rng(seed)
    layers = [
        Layer("InputLayer", "z", {"batch_input_shape": [None, 10], "sparse": False}),
        Layer("Dense", "dense", {"units": 128, "activation": "linear", "use_bias": True}, {"kernel": _w(rng, 10, 128), "bias": _w(rng, 128, scale=0.1)}, ["z"]),
        Layer("Reshape", "reshape", {"target_shape": [4, 4, 8]}, inputs=["dense"]),
        Layer("Conv2DTranspose", "deconv", {"filters": 8, "kernel_size": [3, 3], "strides": [2, 2], "padding": "valid",
                                            "data_format": "channels_last", "activation": "relu", "use_bias": True,
                                            "output_padding": None, "dilation_rate": [1, 1]},
              {"kernel": _w(rng, 3, 3, 8, 8, scale=0.2), "bias": _w(rng, 8, scale=0.1)}, ["reshape"]),
        Layer("Conv2D", "branch", {"filters": 8, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last",
                                   "dilation_rate": [1, 1], "activation": "relu", "use_bias": True},
              {"kernel": _w(rng, 3, 3, 8, 8, scale=0.2), "bias": _w(rng, 8, scale=0.1)}, ["deconv"]),
        Layer("Add", "add", {}, inputs=["deconv", "branch"]),
        Layer("Conv2D", "to_rgb", {"filters": 3, "kernel_size": [2, 2], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
                                   "dilation_rate": [1, 1], "activation": "tanh", "use_bias": True},
              {"kernel": _w(rng, 2, 2, 8, 3, scale=0.3), "bias": _w(rng, 3, scale=0.1)}, ["add"]),
    ]
    return layers, 10


def functional_keras3(seed=3) -> Tuple[List[Layer], int]:
    """Keras 3 functional, latent 1×1×16 (channels-last): a 'valid' transposed convolution to 4×4,
    LeakyReLU, Flatten → Dense → Reshape (Keras' H, W, C order), concatenated with the 4×4 maps,
    a 'same' transposed convolution with output_padding 1 (4 → 8), tanh."""
    rng = np.random.default_rng(seed)
    layers = [
        Layer("InputLayer", "input_layer", {"batch_input_shape": [None, 1, 1, 16], "sparse": False}),
        Layer("Conv2DTranspose", "project", {"filters": 6, "kernel_size": [4, 4], "strides": [1, 1], "padding": "valid",
                                             "data_format": "channels_last", "activation": "linear", "use_bias": True,
                                             "output_padding": None, "dilation_rate": [1, 1]},
              {"kernel": _w(rng, 4, 4, 6, 16, scale=0.2), "bias": _w(rng, 6, scale=0.1)}, ["input_layer"]),
        Layer("LeakyReLU", "leaky_re_lu", {"negative_slope": 0.1}, inputs=["project"]),
        Layer("Flatten", "flatten", {"data_format": "channels_last"}, inputs=["leaky_re_lu"]),
        Layer("Dense", "dense", {"units": 32, "activation": "tanh", "use_bias": True}, {"kernel": _w(rng, 96, 32, scale=0.2), "bias": _w(rng, 32, scale=0.1)}, ["flatten"]),
        Layer("Reshape", "reshape", {"target_shape": [4, 4, 2]}, inputs=["dense"]),
        Layer("Concatenate", "concatenate", {"axis": -1}, inputs=["leaky_re_lu", "reshape"]),
        Layer("Conv2DTranspose", "to_rgb", {"filters": 3, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
                                            "data_format": "channels_last", "activation": "tanh", "use_bias": True,
                                            "output_padding": [1, 1], "dilation_rate": [1, 1]},
              {"kernel": _w(rng, 3, 3, 3, 8, scale=0.3), "bias": _w(rng, 3, scale=0.1)}, ["concatenate"]),
    ]
    return layers, 16


def output_shapes(layers: Sequence[Layer], latent: int) -> Dict[str, list]:
    """Each layer's output shape with a null batch axis, from the numpy forward on one sample."""
    shapes = {}
    z = np.zeros((1, latent), dtype=np.float32)
    for i in range(len(layers)):
        out = forward(layers[:i + 1], z)
        shapes[layers[i].name] = [None, *out.shape[1:]]
    return shapes


ARCHITECTURES = {
    # name: (builder, Keras version, functional, with an InputLayer in a Sequential config)
    "keras2-dcgan": (dcgan_keras2, 2, False, False),
    "keras3-upsampling": (upsampling_keras3, 3, False, True),
    "keras2-functional": (functional_keras2, 2, True, True),
    "keras3-functional": (functional_keras3, 3, True, True),
}


def write_architecture(name: str, path) -> Tuple[List[Layer], int]:
    builder, version, functional, input_layer = ARCHITECTURES[name]
    layers, latent = builder()
    write_keras(path, layers, version, functional, output_shapes(layers, latent), input_layer)
    return layers, latent
