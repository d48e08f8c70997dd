"""The generic path: any traceable generator, split at fx nodes or modules; every error is one line."""
import json
import os
import shutil
import tempfile
import unittest
import warnings
from pathlib import Path

import torch

from pandaexport.errors import ExportError
from pandaexport.onnxio import _batch_free

from .bundle_checks import PROGRESS, check_bundle, message_lines, run_cli
from .fixtures import tiny

TINY = Path(tiny.__file__)


class GenericExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="panda-export-test-"))
        torch.manual_seed(0)
        cls.weights = cls.tmp / "tiny.pt"
        torch.save(tiny.TinyGenerator().state_dict(), cls.weights)
        cls.skip_weights = cls.tmp / "skip.pt"
        torch.save(tiny.SkipGenerator().state_dict(), cls.skip_weights)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def base(self, name="TinyGenerator", weights=None):
        return ["--module", f"{TINY}:{name}", "--weights", weights or self.weights]

    def assertFails(self, args, message, code=1, process=False):
        rc, out, err = run_cli(*args, process=process)
        self.assertEqual(rc, code, err)
        lines = message_lines(err)
        self.assertEqual(len(lines), 1, f"expected one line on stderr besides progress, got:\n{err}")
        self.assertIn(message, lines[0])
        return lines[0]

    def test_list_splits_prints_nodes_with_shapes(self):
        rc, out, err = run_cli(*self.base(), "--list-splits", process=True)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"up1_2\s+16×8×8\s+output of up1, up1\.2\n")
        self.assertRegex(out, r"fc\s+256\s+output of fc \(not a feature map\)")
        self.assertIn("tanh", out)

    def test_exports_a_bundle_split_at_a_node_and_at_a_module(self):
        out = self.tmp / "tiny-gan"
        rc, stdout, err = run_cli(*self.base(), "--split", "up1=8x8", "--split", "up2_2", "--out", out,
                                  "--title", "Tiny", "--license", "MIT")
        self.assertEqual(rc, 0, err)
        manifest = check_bundle(self, out)
        self.assertEqual(manifest["id"], "tiny-gan")
        self.assertEqual(manifest["latent"], {"size": 8, "distribution": "normal"})  # guessed from fc
        self.assertEqual(manifest["truncation"], {"method": "latent", "default": 1.0})
        self.assertEqual(manifest["image"], {"width": 16, "height": 16, "channels": 3, "range": [-1.0, 1.0]})
        self.assertEqual([(l["id"], l["shape"], l.get("default")) for l in manifest["layers"]],
                         [("8x8", [16, 8, 8], True), ("up2_2", [8, 16, 16], None)])
        self.assertNotIn("auxiliary", manifest)
        self.assertEqual(manifest["license"], "MIT")
        self.assertIn("max |head∘tail − full| = ", stdout)
        # Each step on stderr as it starts, with the time and the peak memory so far.
        steps = [PROGRESS.sub("", line) for line in err.splitlines()]
        self.assertEqual(len(steps), len(err.splitlines()), f"only progress lines on stderr:\n{err}")
        self.assertEqual(steps, [
            "loading TinyGenerator and tiny.pt",
            "running the full generator on 8 latents for the checks",
            "split 1/2 (up1): checking head∘tail against the full generator",
            "split 2/2 (up2_2): checking head∘tail against the full generator",
            "split 1/2 (up1): tracing the head", "split 1/2 (up1): tracing the tail",
            "split 2/2 (up2_2): tracing the head", "split 2/2 (up2_2): tracing the tail",
            "checking 8x8.head.onnx (onnx.checker, full check)", "checking 8x8.tail.onnx (onnx.checker, full check)",
            "checking up2_2.head.onnx (onnx.checker, full check)", "checking up2_2.tail.onnx (onnx.checker, full check)",
        ])
        # One copy of the weights: both splits' graphs point into weights.bin, which holds each tensor once.
        self.assertRegex(stdout, r"wrote .*tiny-gan/ \(2 layers; weights.bin [0-9.]+ MB, 0\.9[0-9]+× the generator's [0-9]+ bytes")
        card = (out / "MODEL_CARD.md").read_text()
        self.assertIn("| `8x8` | `up1` | 16×8×8 |", card)

        # Exporting again replaces the bundle as a whole.
        (out / "stale.txt").write_text("from the last export")
        rc, _, err = run_cli(*self.base("tiny_factory"), "--kwargs", '{"width": 16}', "--split", "up1",
                             "--out", out, "--latent", "8:uniform")
        self.assertEqual(rc, 0, err)
        manifest = check_bundle(self, out)
        self.assertEqual(manifest["latent"], {"size": 8, "distribution": "uniform"})
        self.assertEqual([l["id"] for l in manifest["layers"]], ["up1"])
        self.assertFalse((out / "stale.txt").exists())

    def test_values_the_tail_needs_from_before_the_split_become_auxiliaries(self):
        out = self.tmp / "skip-gan"
        rc, stdout, err = run_cli(*self.base("SkipGenerator", self.skip_weights), "--split", "conv",
                                  "--out", out, "--range=-3,3")
        self.assertEqual(rc, 0, err)
        manifest = check_bundle(self, out)
        self.assertEqual(manifest["auxiliary"], [{"name": "view_1", "shape": [8, 1, 1]}])
        self.assertEqual(manifest["image"]["range"], [-3.0, 3.0])

    # --- one readable line and a non-zero exit code for each way it can go wrong -------------------
    def test_untraceable_module(self):
        self.assertFails([*self.base("Untraceable"), "--split", "up1", "--out", self.tmp / "x"],
                         "cannot trace Untraceable with torch.fx", process=True)

    def test_unknown_split_point(self):
        self.assertFails([*self.base(), "--split", "nope", "--out", self.tmp / "x"],
                         "unknown split point 'nope'")

    def test_split_that_is_not_a_feature_map(self):
        self.assertFails([*self.base(), "--split", "fc", "--out", self.tmp / "x"],
                         "split point 'fc' has shape [2, 256]: a split needs a feature map")

    def test_latent_of_the_wrong_size(self):
        self.assertFails([*self.base(), "--latent", "7", "--split", "up1", "--out", self.tmp / "x"],
                         "the generator fails on a latent of shape [2, 7]", process=True)

    def test_weights_with_missing_and_unexpected_keys(self):
        state = torch.load(self.weights)
        state["extra.weight"] = state.pop("to_rgb.bias")
        torch.save(state, self.tmp / "renamed.pt")
        line = self.assertFails([*self.base(weights=self.tmp / "renamed.pt"), "--split", "up1", "--out", self.tmp / "x"],
                                "the weights do not fit TinyGenerator: missing keys to_rgb.bias")
        self.assertIn("unexpected keys extra.weight", line)

    def test_weights_of_another_shape(self):
        self.assertFails([*self.base(), "--kwargs", '{"width": 8}', "--split", "up1", "--out", self.tmp / "x"],
                         "shape mismatch (checkpoint vs module) fc.weight [256, 8] vs [128, 8]")

    def test_checkpoint_dict_needs_a_key(self):
        torch.save({"g_ema": torch.load(self.weights), "step": 3}, self.tmp / "ckpt.pt")
        self.assertFails([*self.base(weights=self.tmp / "ckpt.pt"), "--split", "up1", "--out", self.tmp / "x"],
                         "is a checkpoint with entries g_ema, step, not a state_dict: pick the generator's with --weights-key")
        rc, _, err = run_cli(*self.base(weights=self.tmp / "ckpt.pt"), "--weights-key", "g_ema", "--split", "up1",
                             "--out", self.tmp / "from-ckpt")
        self.assertEqual(rc, 0, err)

    def test_whole_pickled_module(self):
        torch.save(tiny.TinyGenerator(), self.tmp / "whole.pt")
        rc, _, err = run_cli(*self.base(weights=self.tmp / "whole.pt"), "--split", "up1", "--out", self.tmp / "whole")
        self.assertEqual(rc, 0, err)

    def test_bad_paths(self):
        self.assertFails(["--module", "no/such.py:G", "--weights", self.weights, "--split", "up1", "--out", self.tmp / "x"],
                         "--module: file not found: no/such.py")
        self.assertFails([*self.base("Nope"), "--split", "up1", "--out", self.tmp / "x"], "defines no 'Nope'")
        self.assertFails(["--module", f"{TINY}:TinyGenerator", "--weights", "no/such.pt", "--split", "up1",
                          "--out", self.tmp / "x"], "--weights: file not found: no/such.pt")
        self.assertFails([*self.base(), "--split", "up1", "--out", self.tmp / "no" / "such" / "dir"],
                         "does not exist")
        (self.tmp / "not-a-bundle").mkdir()
        (self.tmp / "not-a-bundle" / "notes.txt").write_text("keep me")
        self.assertFails([*self.base(), "--split", "up1", "--out", self.tmp / "not-a-bundle"],
                         "exists and is not a bundle folder")
        self.assertTrue((self.tmp / "not-a-bundle" / "notes.txt").exists())

    def test_usage_errors_are_one_line_too(self):
        self.assertFails([*self.base(), "--latent", "eight"], "expected SIZE[xD…][:normal|uniform]", code=2, process=True)

    def test_the_activation_group_budget_is_stylegan3s_and_positive(self):
        self.assertFails([*self.base(), "--split", "up1", "--activation-group-mib", "64", "--out", self.tmp / "groups"],
                         "--activation-group-mib applies to StyleGAN3's filtered activation (--family stylegan3) only")
        for value in ("0", "-1", "inf", "many"):
            self.assertFails([*self.base(), "--activation-group-mib", value], "expected a size in MiB above 0", code=2)

    def test_nothing_is_left_behind_when_an_export_fails(self):
        self.assertFails([*self.base(), "--split", "up1", "--split", "nope", "--out", self.tmp / "half"],
                         "unknown split point")
        self.assertEqual([p for p in os.listdir(self.tmp) if "half" in p], [])


class BatchIndependenceTest(unittest.TestCase):
    def test_a_graph_holding_the_batch_size_is_refused(self):
        class Frozen(torch.nn.Module):
            def forward(self, z):
                return z.reshape(int(z.shape[0]), 2, -1)  # int(): the batch becomes a constant when traced

        with self.assertRaisesRegex(ExportError, "depends on the batch size"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's own warning about exactly this
            _batch_free(Frozen(), lambda n: (torch.randn(n, 8),), ["z"], ["features"])


if __name__ == "__main__":
    unittest.main()
