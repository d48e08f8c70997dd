"""Keras HDF5 import (--keras): Keras 2 and 3 files of several architectures, written with h5py as
Keras lays them out, become PyTorch modules that compute what the layers' maths (numpy,
channels-last) computes, and export like any generator; what cannot be read is named in one line."""
import json
import shutil
import tempfile
import unittest
import zipfile
from pathlib import Path

import numpy as np
import torch

from pandaexport.errors import ExportError
from pandaexport.keras import load_keras

from . import keras_files
from .bundle_checks import check_bundle, message_lines, run_cli
from .keras_files import ARCHITECTURES, Layer


class KerasImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="panda-export-keras-"))
        cls.files = {}
        for name in ARCHITECTURES:
            path = cls.tmp / f"{name}.h5"
            cls.files[name] = (path, *keras_files.write_architecture(name, path))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def assertOneLine(self, args, message, code=1):
        rc, _, err = run_cli(*args)
        self.assertEqual(rc, code, err)
        lines = message_lines(err)
        self.assertEqual(len(lines), 1, err)
        self.assertIn(message, lines[0])

    def test_each_architecture_computes_what_the_keras_layers_compute(self):
        for name, (path, layers, latent) in self.files.items():
            with self.subTest(name):
                module = load_keras(str(path))
                z = np.random.default_rng(7).standard_normal((3, latent)).astype(np.float32)
                expected = keras_files.forward(layers, z.astype(np.float64)).transpose(0, 3, 1, 2)  # NHWC → NCHW
                with torch.no_grad():
                    got = module(torch.from_numpy(z)).numpy()
                self.assertEqual(got.shape, expected.shape)
                self.assertLess(np.abs(got - expected).max(), 1e-4)
                self.assertGreater(np.abs(expected).max(), 0.05)  # the check compares something

    def test_each_architecture_exports_with_splits_at_its_layers(self):
        splits = {"keras2-dcgan": ["conv2d_transpose=8x8"], "keras3-upsampling": ["conv2d=8x8", "conv2d_1=8x8b"],
                  "keras2-functional": ["add=9x9"], "keras3-functional": ["concatenate=4x4"]}
        ranges = {"keras2-dcgan": [-1.0, 1.0], "keras3-upsampling": [0.0, 1.0], "keras2-functional": [-1.0, 1.0],
                  "keras3-functional": [-1.0, 1.0]}
        for name, (path, layers, latent) in self.files.items():
            with self.subTest(name):
                out = self.tmp / f"bundle-{name}"
                rc, stdout, err = run_cli("--keras", path, *sum((["--split", s] for s in splits[name]), []), "--out", out)
                self.assertEqual(rc, 0, err)
                manifest = check_bundle(self, out)
                self.assertEqual(manifest["latent"], {"size": latent, "distribution": "normal"})
                self.assertEqual(manifest["image"]["range"], ranges[name])  # from the last activation
                self.assertNotIn("from the outputs", stdout)
                self.assertIn(f"Keras {'3.3.3' if name.startswith('keras3') else '2.4.0'} HDF5", (out / "MODEL_CARD.md").read_text())
        manifest = json.loads((self.tmp / "bundle-keras2-dcgan" / "model.json").read_text())
        self.assertEqual(manifest["layers"][0]["shape"], [16, 8, 8])  # C×H×W of Keras' 8×8×16
        self.assertEqual(manifest["image"], {"width": 16, "height": 16, "channels": 3, "range": [-1.0, 1.0]})

    def test_list_splits_names_the_keras_layers(self):
        rc, out, err = run_cli("--keras", self.files["keras2-dcgan"][0], "--list-splits")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"16×8×8\s+output of conv2d_transpose\n")
        self.assertRegex(out, r"\(not N×C×H×W")  # Keras' channels-last reshape before it is converted
        self.assertIn("output of batch_normalization_1", out)
        self.assertRegex(out, r"3×16×16\s+output of conv2d_transpose_1\n")  # cropped by slicing: still N×C×H×W

    def test_unsupported_layers_and_files_are_named_in_one_line(self):
        layers, latent = keras_files.dcgan_keras2()
        layers[3] = Layer("GaussianNoise", "noise", {"stddev": 0.1})
        path = self.tmp / "noise.h5"
        keras_files.write_keras(path, layers, 2, False, {l.name: [None] for l in layers})
        self.assertOneLine(["--keras", path, "--list-splits"], "Keras layer 'noise' is a GaussianNoise, which the Keras import does not support")

        keras_files.write_weights_only(self.tmp / "weights.h5", layers)
        self.assertOneLine(["--keras", self.tmp / "weights.h5", "--list-splits"], "holds no model_config (weights only")
        (self.tmp / "text.h5").write_text("not HDF5")
        self.assertOneLine(["--keras", self.tmp / "text.h5", "--list-splits"], "--keras: text.h5 is not an HDF5 file")
        self.assertOneLine(["--keras", self.tmp / "none.h5", "--list-splits"], "--keras: file not found")
        with zipfile.ZipFile(self.tmp / "model.keras", "w") as archive:  # Keras 3's native format
            archive.writestr("config.json", "{}")
        self.assertOneLine(["--keras", self.tmp / "model.keras", "--list-splits"], "is a Keras 3 .keras archive, which is not read")
        self.assertOneLine(["--keras", self.tmp, "--list-splits"], "is a folder (a TensorFlow SavedModel?)")
        self.assertOneLine(["--keras", self.files["keras2-dcgan"][0], "--module", "x.py:G", "--list-splits"],
                           "--keras reads the whole generator from its file; drop --module", code=2)
        self.assertOneLine(["--list-splits"], "give --module FILE.py:NAME and --weights FILE, or --keras FILE.h5", code=2)

    def test_weights_that_do_not_fit_the_config_are_named(self):
        layers, latent = keras_files.dcgan_keras2()
        layers[1].weights["kernel"] = layers[1].weights["kernel"][:8]
        path = self.tmp / "short.h5"
        keras_files.write_keras(path, layers, 2, False, {l.name: [None] for l in layers}, input_layer=False)
        with self.assertRaisesRegex(ExportError, r"layer 'dense': kernel \(transposed\) has shape \[512, 8\], the layer's config needs \[512, 16\]"):
            load_keras(str(path))


if __name__ == "__main__":
    unittest.main()
