"""Shared assertions on an exported bundle folder."""
import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import onnx

from pandaexport.cli import main

PROGRESS = re.compile(r"^export: \[ *[0-9.]+ s, +[0-9.]+ GB\] ")  # a progress line on stderr


def message_lines(err: str):
    """stderr without the progress lines: what a failure says."""
    return [line for line in err.strip().splitlines() if not PROGRESS.match(line)]

EXPORT_DIR = Path(__file__).resolve().parent.parent
EXPORT_PY = EXPORT_DIR / "export.py"
REPO = EXPORT_DIR.parent.parent


def run_cli(*args, process=False):
    """The exporter's command line; returns (exit code, stdout, stderr). In this process by default
    (importing torch once keeps the suite fast); process=True runs export.py as users do."""
    argv = [str(a) for a in args]
    if process:
        r = subprocess.run([sys.executable, str(EXPORT_PY), *argv], cwd=REPO, capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse
            code = e.code
    return code, out.getvalue(), err.getvalue()


def _io(values):
    return {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in values}


def check_bundle(test, folder) -> dict:
    """Manifest fields, files, onnx.checker, and ONNX inputs/outputs against models/README.md."""
    folder = Path(folder)
    manifest = json.loads((folder / "model.json").read_text())
    test.assertEqual(manifest["format"], "panda-bundle/1")
    test.assertTrue((folder / manifest["card"]).is_file())
    aux = [(a["name"], a["shape"]) for a in manifest.get("auxiliary", [])]
    image = manifest["image"]
    head_inputs = {"z": ["N", manifest["latent"]["size"]]}
    if manifest["truncation"]["method"] == "input":
        head_inputs["truncation"] = [1]
    test.assertTrue((folder / manifest["weights"]).is_file())
    for layer in manifest["layers"]:
        features = {"features": ["N", *layer["shape"]], **{n: ["N", *s] for n, s in aux}}
        head = onnx.load(str(folder / layer["head"]))
        tail = onnx.load(str(folder / layer["tail"]))
        onnx.checker.check_model(head, full_check=True)
        onnx.checker.check_model(tail, full_check=True)
        test.assertEqual(head.opset_import[0].version, 17)
        test.assertEqual(_io(head.graph.input), head_inputs)
        test.assertEqual(list(_io(head.graph.output).items()), list(features.items()))
        test.assertEqual(list(_io(tail.graph.input).items()), list(features.items()))
        test.assertEqual(_io(tail.graph.output), {"image": ["N", image["channels"], image["height"], image["width"]]})
    leftovers = [p for p in os.listdir(folder.parent) if p.startswith(f".{folder.name}.")]
    test.assertEqual(leftovers, [], "temporary folders left beside the bundle")
    return manifest
