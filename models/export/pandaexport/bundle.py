"""model.json (panda-bundle/1), MODEL_CARD.md, and writing the bundle folder atomically."""
import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import onnx
import torch

from .errors import ExportError
from .generator import Exportable
from .verify import CutReport

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
WEIGHTS_FILE = "weights.bin"


def slug(text: str) -> str:
    """A folder/manifest id from free text: lower case, [a-z0-9._-]."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "layer"


def check_id(bundle_id: str) -> str:
    if not _ID.match(bundle_id) or len(bundle_id) > 64:
        raise ExportError(f"--id '{bundle_id}' is not a valid bundle id ([a-z0-9][a-z0-9._-]*, at most 64 characters)")
    return bundle_id


@dataclass
class About:
    id: str
    title: str
    license: str
    source: str
    description: str
    command: str  # the command line that made the bundle, for the card
    weights: Path


@dataclass
class Layer:
    id: str
    report: CutReport


def manifest(about: About, gen: Exportable, layers: List[Layer], image_range: Tuple[float, float]) -> dict:
    first = layers[0].report
    channels, height, width = first.image_shape
    data = {
        "format": "panda-bundle/1",
        "id": about.id,
        "title": about.title,
        "description": about.description,
        "latent": {"size": gen.latent.size, "distribution": gen.latent.distribution},
        "truncation": {"method": gen.truncation.method, "default": gen.truncation.default},
        "image": {"width": width, "height": height, "channels": channels, "range": list(image_range)},
        "layers": [
            {"id": layer.id, "shape": list(layer.report.feature_shape),
             "head": f"{layer.id}.head.onnx", "tail": f"{layer.id}.tail.onnx", **({"default": True} if i == 0 else {})}
            for i, layer in enumerate(layers)
        ],
        # Every graph's large tensors, stored once (ONNX external data; see shared_weights.py).
        "weights": WEIGHTS_FILE,
    }
    if first.aux_shapes:
        data["auxiliary"] = [{"name": n, "shape": list(s)} for n, s in first.aux_shapes.items()]
    data.update({"license": about.license, "source": about.source, "card": "MODEL_CARD.md"})
    return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_card(about: About, gen: Exportable, layers: List[Layer], data: dict) -> str:
    t = data["truncation"]
    image = data["image"]
    rows = "\n".join(
        f"| `{l.id}` | `{l.report.name}` | {'×'.join(map(str, l.report.feature_shape))} | {l.report.max_abs_diff:.2e} |"
        for l in layers)
    aux = ", ".join(f"`{a['name']}` {'×'.join(map(str, a['shape']))}" for a in data.get("auxiliary", [])) or "none"
    return f"""# {about.title}

{about.description}

- **Source:** {about.source}
- **Licence:** {about.license}
- **Weights:** `{about.weights.name}` (sha256 `{_sha256(about.weights)}`)
- **Family:** {gen.family}
- **Latent:** {gen.latent.size} values, {gen.latent.distribution}
- **Truncation:** {t['method']}, default ψ = {t['default']}
- **Image:** {image['channels']}×{image['height']}×{image['width']}, values in {image['range']}
- **Auxiliary tensors:** {aux}

## Split layers

| layer | split point | features C×H×W | max abs diff of head∘tail vs full generator |
|---|---|---|---|
{rows}

## How it was made

Exported on {datetime.date.today().isoformat()} with `models/export/export.py` (PyTorch {torch.__version__},
ONNX {onnx.__version__}, opset 17):

```
{about.command}
```

Each split was checked against the full PyTorch generator on random latents before export; the ONNX files
pass `onnx.checker` (full check) and were traced batch-independently (dynamic batch axis `N`). Their
weights are stored once, in `{data['weights']}`, shared by every head and tail (ONNX external data).
"""


def _replaceable(path: Path) -> bool:
    return path.is_dir() and (not any(path.iterdir()) or (path / "model.json").is_file())


def check_out(out: Path) -> None:
    """Fail before any work when the bundle could not be written."""
    if not out.parent.is_dir():
        raise ExportError(f"--out: folder {out.parent} does not exist")
    if out.exists() and not _replaceable(out):
        raise ExportError(f"--out {out} exists and is not a bundle folder; refusing to replace it")


@contextlib.contextmanager
def staged_folder(out: Path):
    """Yield an empty folder beside `out`; on success it replaces `out` in one rename, on failure it goes."""
    check_out(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the bundle is an ordinary folder
    try:
        yield tmp
        if out.exists():
            old = Path(str(tmp)[: -len(".tmp")] + ".old")
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_texts(folder: Path, data: dict, card: str) -> None:
    (folder / "model.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "MODEL_CARD.md").write_text(card, encoding="utf-8")
