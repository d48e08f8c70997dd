"""Checkpoints as people have them: state dicts of an older PyTorch, latents shaped N×nz×1×1 (with
pytorch/examples' device branch in forward), outputs in [0, 1] or [-1, 1] without a bounding last op,
channels-last tensors that are no split points."""
import collections
import json
import shutil
import tempfile
import unittest
from pathlib import Path

import torch

from .bundle_checks import check_bundle, message_lines, run_cli
from .fixtures import tiny

TINY = Path(tiny.__file__)


def old_pytorch_state(module: torch.nn.Module, metadata: bool) -> collections.OrderedDict:
    """The state dict as PyTorch < 0.4.1 saved it: no BatchNorm num_batches_tracked, BatchNorm at
    version 1 in _metadata (or no _metadata at all, as a state dict rebuilt key by key has)."""
    state = module.state_dict()
    old = collections.OrderedDict((k, v) for k, v in state.items() if not k.endswith("num_batches_tracked"))
    if metadata:
        old._metadata = collections.OrderedDict((k, dict(v)) for k, v in state._metadata.items())
        for name, child in module.named_modules():
            if isinstance(child, torch.nn.BatchNorm2d):
                old._metadata[name]["version"] = 1
    return old


class CheckpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="panda-export-ckpt-"))
        torch.manual_seed(0)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def save(self, name: str, state) -> Path:
        path = self.tmp / name
        torch.save(state, path)
        return path

    def export(self, module_name: str, weights: Path, *args, out: str):
        return run_cli("--module", f"{TINY}:{module_name}", "--weights", weights, *args, "--out", self.tmp / out)

    def assertOneLine(self, rc, err, message, code=1):
        self.assertEqual(rc, code, err)
        lines = message_lines(err)
        self.assertEqual(len(lines), 1, err)
        self.assertIn(message, lines[0])
        return lines[0]

    # --- 1. weights: whatever strict load_state_dict accepts -----------------------------------------
    def test_a_batchnorm_state_dict_of_an_older_pytorch_loads(self):
        generator = tiny.TinyGenerator()
        for metadata in (True, False):
            with self.subTest(metadata=metadata):
                state = old_pytorch_state(generator, metadata)
                torch.nn.Module.load_state_dict(tiny.TinyGenerator(), state)  # PyTorch itself accepts it
                name = "old-v1" if metadata else "old-no-metadata"
                weights = self.save(f"{name}.pt", state)
                rc, out, err = run_cli("--module", f"{TINY}:TinyGenerator", "--weights", weights, "--list-splits")
                self.assertEqual(rc, 0, err)
                self.assertIn("up1_2", out)
                rc, out, err = self.export("TinyGenerator", weights, "--split", "up1", out=name)
                self.assertEqual(rc, 0, err)
                check_bundle(self, self.tmp / name)

    def test_a_state_dict_missing_what_this_pytorch_wrote_is_refused_in_one_line(self):
        state = tiny.TinyGenerator().state_dict()
        del state["up1.1.num_batches_tracked"]  # _metadata says version 2: PyTorch refuses it as well
        with self.assertRaises(RuntimeError):
            torch.nn.Module.load_state_dict(tiny.TinyGenerator(), state)
        rc, _, err = self.export("TinyGenerator", self.save("new-missing.pt", state), "--list-splits", out="x")
        self.assertOneLine(rc, err, "the weights do not fit TinyGenerator: missing keys up1.1.num_batches_tracked")

    # --- 2. latents of any shape ----------------------------------------------------------------------
    def test_a_generator_reading_z_as_nz_by_1_by_1_is_told_which_flag_to_pass(self):
        weights = self.save("conv-latent.pt", tiny.ConvLatentGenerator().state_dict())
        rc, _, err = self.export("ConvLatentGenerator", weights, "--split", "main.2", out="x")
        self.assertOneLine(rc, err, "the generator fails on a latent of shape [2, 16] but works on [2, 16, 1, 1]: "
                                    "pass --latent 16x1x1:normal")

    def test_latent_dims_are_reshaped_inside_the_head(self):
        weights = self.save("conv-latent.pt", tiny.ConvLatentGenerator().state_dict())
        rc, out, err = self.export("ConvLatentGenerator", weights, "--latent", "16x1x1:uniform",
                                   "--split", "main.2=4x4", out="conv-latent")
        self.assertEqual(rc, 0, err)
        manifest = check_bundle(self, self.tmp / "conv-latent")  # z is [N, 16] in the ONNX head
        self.assertEqual(manifest["latent"], {"size": 16, "distribution": "uniform"})
        self.assertEqual(manifest["layers"][0]["shape"], [16, 4, 4])
        rc, out, _ = self.export("ConvLatentGenerator", weights, "--latent", "16x1x1", "--list-splits", out="x")
        self.assertNotIn("reshape", out)  # the reshape is the exporter's, not a split point
        rc, _, err = self.export("ConvLatentGenerator", weights, "--latent", "4x2x2", "--split", "main.2", out="x")
        self.assertOneLine(rc, err, "the generator fails on a latent of shape [2, 4, 2, 2]")

    # --- 3. image range -------------------------------------------------------------------------------
    def range_export(self, name: str, *args, **kwargs):
        weights = self.save(f"{name}.pt", tiny.RangeGenerator(**kwargs).state_dict())
        return self.export("RangeGenerator", weights, "--kwargs", json.dumps(kwargs), "--split", "conv", *args, out=name)

    def test_outputs_in_0_1_without_a_sigmoid_give_range_0_1(self):
        rc, out, err = self.range_export("unit")  # outputs in about [-0.05, 1.05]
        self.assertEqual(rc, 0, err)
        self.assertIn("image range [0, 1] from the outputs (99.8 % of the values of 256 random images lie in [-0.05, 1.05])", out)
        self.assertEqual(check_bundle(self, self.tmp / "unit")["image"]["range"], [0.0, 1.0])

    def test_outputs_in_minus_1_1_without_a_tanh_give_range_minus_1_1(self):
        rc, out, err = self.range_export("signed", scale=1.05, shift=0.0)
        self.assertEqual(rc, 0, err)
        self.assertEqual(check_bundle(self, self.tmp / "signed")["image"]["range"], [-1.0, 1.0])

    def test_a_clamp_at_the_end_bounds_the_range(self):
        rc, out, err = self.range_export("clamped", clamp=True)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("from the outputs", out)
        self.assertEqual(check_bundle(self, self.tmp / "clamped")["image"]["range"], [0.0, 1.0])

    def test_an_unclear_range_is_refused_naming_range_and_nothing_is_written(self):
        rc, out, err = self.range_export("unclear", scale=0.3, shift=0.0)
        line = self.assertOneLine(rc, err, "cannot tell the image range")
        self.assertIn("[-0.30, 0.30]", line)
        self.assertIn("--range=LOW,HIGH", line)
        self.assertFalse((self.tmp / "unclear").exists())
        rc, _, err = self.range_export("unclear", "--range=-0.3,0.3", scale=0.3, shift=0.0)
        self.assertEqual(rc, 0, err)
        self.assertEqual(check_bundle(self, self.tmp / "unclear")["image"]["range"], [-0.3, 0.3])

    # --- 4. only NCHW feature maps are split points ---------------------------------------------------
    def test_a_channels_last_tensor_is_listed_as_no_split_point_and_refused(self):
        weights = self.save("channels-last.pt", tiny.ChannelsLastGenerator().state_dict())
        rc, out, err = self.export("ChannelsLastGenerator", weights, "--list-splits", out="x")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"\nview\s+8×8×10\s+\(not N×C×H×W: channels-last or reshaped")
        self.assertRegex(out, r"\npermute\s+10×8×8\s+\n")
        rc, _, err = self.export("ChannelsLastGenerator", weights, "--split", "view", out="x")
        self.assertOneLine(rc, err, "split point 'view' has shape [2, 8, 8, 10] but is not N×C×H×W")
        rc, _, err = self.export("ChannelsLastGenerator", weights, "--split", "permute=8x8", out="channels-last")
        self.assertEqual(rc, 0, err)
        self.assertEqual(check_bundle(self, self.tmp / "channels-last")["layers"][0]["shape"], [10, 8, 8])


if __name__ == "__main__":
    unittest.main()
