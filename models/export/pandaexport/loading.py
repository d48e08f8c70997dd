"""Build the user's generator from FILE.py:NAME and load its weights, with one-line errors."""
import collections
import importlib
import inspect
import json
import pickle
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .errors import ExportError, first_line
from .extensions import public_code_imported


_LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C  # first pickled object of torch.save(..., _use_new_zipfile_serialization=False)


@dataclass
class Loaded:
    module: torch.nn.Module
    extras: Dict[str, Any] = field(default_factory=dict)  # the checkpoint's other entries (e.g. latent_avg)


def _dotted_name(path: Path):
    """A file inside packages (folders with __init__.py) is imported as package.module, from the folder
    above the top package, so that its relative imports and its repository's own imports work."""
    parts, folder = [path.stem], path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def import_name(spec: str):
    """`path/to/file.py:Name` -> the object `Name` defined in that file."""
    file, sep, name = spec.rpartition(":")
    if not sep or not file or not name:
        raise ExportError(f"--module must look like FILE.py:NAME, got '{spec}'")
    path = Path(file).resolve()
    if not path.is_file():
        raise ExportError(f"--module: file not found: {file}")
    if path.suffix != ".py":
        raise ExportError(f"--module: {file} is not a .py file")
    # Imported under its own (dotted) name, so that pickled modules referring to it unpickle.
    dotted, root = _dotted_name(path)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        with public_code_imported():
            module = importlib.import_module(dotted)
    except Exception as e:
        raise ExportError(f"--module: importing {file} failed: {type(e).__name__}: {e}") from e
    if Path(getattr(module, "__file__", "") or "").resolve() != path:
        raise ExportError(f"--module: another module named '{dotted}' is already imported ({module.__file__})")
    if not hasattr(module, name):
        raise ExportError(f"--module: {file} defines no '{name}'")
    return getattr(module, name)


def parse_kwargs(text: Optional[str]) -> Dict[str, Any]:
    if not text:
        return {}
    try:
        kwargs = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExportError(f"--kwargs is not valid JSON: {e}") from e
    if not isinstance(kwargs, dict):
        raise ExportError("--kwargs must be a JSON object")
    return kwargs


def _read_checkpoint(path: Path):
    try:
        if zipfile.is_zipfile(path):  # torch.save's format since PyTorch 1.6
            return torch.load(str(path), map_location="cpu")
        # NVlabs' network pickles are plain pickles. torch.load would unpickle all of one (running the
        # source code it carries) before rejecting it, so read the first object once: a plain pickle's
        # is the checkpoint, the legacy torch.save format's its magic number.
        with open(path, "rb") as f:
            first = pickle.load(f)
        if isinstance(first, int) and first == _LEGACY_TORCH_MAGIC:
            return torch.load(str(path), map_location="cpu")
        return first
    except Exception as e:
        raise ExportError(f"--weights: cannot read {path}: {type(e).__name__}: {first_line(e)}") from e


def _is_state_dict(obj) -> bool:
    return isinstance(obj, dict) and len(obj) > 0 and all(torch.is_tensor(v) for v in obj.values())


def _listing(keys, limit=4) -> str:
    keys = list(keys)
    more = f" (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def load_state(module: torch.nn.Module, state: Dict[str, torch.Tensor]) -> None:
    """Load what strict load_state_dict accepts (BatchNorm fills in num_batches_tracked for a state
    dict of an older PyTorch, as its _metadata tells), or fail with one line naming what does not fit."""
    own = module.state_dict()
    wrong = [k for k in own if k in state and state[k].shape != own[k].shape]
    # load_state_dict reports other shapes in many lines: leave them out, keeping the version metadata.
    fitting = collections.OrderedDict((k, v) for k, v in state.items() if k not in wrong)
    fitting._metadata = getattr(state, "_metadata", None)  # type: ignore[attr-defined]
    incompatible = module.load_state_dict(fitting, strict=False)
    missing = [k for k in incompatible.missing_keys if k not in wrong]
    problems = []
    if missing:
        problems.append(f"missing keys {_listing(missing)}")
    if incompatible.unexpected_keys:
        problems.append(f"unexpected keys {_listing(incompatible.unexpected_keys)}")
    if wrong:
        shapes = [f"{k} {list(state[k].shape)} vs {list(own[k].shape)}" for k in wrong]
        problems.append(f"shape mismatch (checkpoint vs module) {_listing(shapes, 2)}")
    if problems:
        raise ExportError(f"the weights do not fit {type(module).__name__}: " + "; ".join(problems))


def load_generator(module_spec: str, weights: str, kwargs: Dict[str, Any],
                   weights_key: Optional[str] = None) -> Loaded:
    """NAME is a class or a factory; weights are a state_dict or a whole pickled module,
    possibly inside a checkpoint dict (pick the entry with weights_key)."""
    factory = import_name(module_spec)
    path = Path(weights)
    if not path.is_file():
        raise ExportError(f"--weights: file not found: {weights}")
    checkpoint = _read_checkpoint(path)

    extras: Dict[str, Any] = {}
    if weights_key is not None:
        if not isinstance(checkpoint, dict) or weights_key not in checkpoint:
            keys = _listing(checkpoint.keys(), 8) if isinstance(checkpoint, dict) else type(checkpoint).__name__
            raise ExportError(f"--weights-key '{weights_key}' is not in {path.name} (it holds: {keys})")
        extras = {k: v for k, v in checkpoint.items() if k != weights_key}
        checkpoint = checkpoint[weights_key]

    if isinstance(checkpoint, torch.nn.Module):
        # By name: the pickle may have imported the class under another module path than --module.
        if inspect.isclass(factory) and type(checkpoint).__name__ != factory.__name__:
            raise ExportError(f"{path.name} holds a {type(checkpoint).__name__}, not a {factory.__name__}")
        return Loaded(checkpoint.float().eval(), extras)
    if not _is_state_dict(checkpoint):
        if isinstance(checkpoint, dict):
            raise ExportError(f"{path.name} is a checkpoint with entries {_listing(checkpoint.keys(), 8)}, "
                              "not a state_dict: pick the generator's with --weights-key")
        raise ExportError(f"{path.name} holds a {type(checkpoint).__name__}, neither a state_dict nor a module")

    try:
        module = factory(**kwargs)
    except Exception as e:
        raise ExportError(f"building {module_spec.rpartition(':')[2]}(**{kwargs}) failed: "
                          f"{type(e).__name__}: {e}") from e
    if not isinstance(module, torch.nn.Module):
        raise ExportError(f"{module_spec} built a {type(module).__name__}, not a torch.nn.Module")
    load_state(module, checkpoint)
    return Loaded(module.float().eval(), extras)
