"""Each family adapter on a small, randomly initialised generator of that family (tests/families)."""
import contextlib
import shutil
import tempfile
import unittest
from pathlib import Path

import torch

from pandaexport import adapters
from pandaexport.errors import ExportError
from pandaexport.loading import Loaded
from pandaexport.onnxio import export_cut
from pandaexport.verify import verify_cut

from .bundle_checks import check_bundle, run_cli
from .families import biggan, progan, stylegan2, stylegan2_nvlabs, stylegan3

FAMILIES = Path(progan.__file__).parent


class FamilyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="panda-families-"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def export(self, family, build, splits, *flags):
        torch.manual_seed(0)
        weights = self.tmp / f"{family}.pt"
        torch.save(build().state_dict(), weights)
        out = self.tmp / family
        args = ["--module", f"{FAMILIES / family}.py:build", "--weights", weights, "--family", family, "--out", out]
        for split in splits:
            args += ["--split", split]
        rc, stdout, err = run_cli(*args, *flags)
        self.assertEqual(rc, 0, err)
        return check_bundle(self, out), stdout

    def test_progan(self):
        manifest, _ = self.export("progan", progan.build, ["scaleLayers.0.1", "scaleLayers.1.1"])
        self.assertEqual(manifest["latent"], {"size": 16, "distribution": "normal"})
        self.assertEqual([l["shape"] for l in manifest["layers"]], [[16, 8, 8], [8, 16, 16]])
        self.assertNotIn("auxiliary", manifest)

    def test_progan_halfway_through_growing_is_refused(self):
        g = progan.build()
        g.alpha = 0.5
        with self.assertRaisesRegex(ExportError, "halfway through growing"):
            adapters.build("progan", Loaded(g), adapters.Options())

    def test_stylegan2_w_and_skip_cross_the_split(self):
        manifest, _ = self.export("stylegan2", stylegan2.build, ["conv1", "convs.1", "convs.3"], "--truncation", "0.5")
        self.assertEqual(manifest["truncation"], {"method": "input", "default": 0.5})
        self.assertEqual(manifest["auxiliary"], [{"name": "w", "shape": [6, 32]}, {"name": "skip", "shape": [3, 16, 16]}])
        self.assertEqual([l["shape"] for l in manifest["layers"]], [[32, 4, 4], [32, 8, 8], [16, 16, 16]])

    def test_stylegan2_uses_the_checkpoints_latent_avg_and_leaves_the_module_fused(self):
        g = stylegan2.build()
        gen = adapters.build("stylegan2", Loaded(g, {"latent_avg": torch.full((32,), 0.25)}), adapters.Options())
        self.assertTrue(torch.equal(gen.w_avg, torch.full((32,), 0.25)))
        verify_cut(gen, gen.cut("convs.2"))
        self.assertTrue(all(m.fused for m in g.modules() if hasattr(m, "fused")))

    def test_stylegan2_from_nvlabs_code(self):
        torch.manual_seed(0)
        weights = self.tmp / "sg2-nvlabs.pt"
        torch.save(stylegan2_nvlabs.build().state_dict(), weights)
        out = self.tmp / "sg2-nvlabs"
        rc, _, err = run_cli("--module", f"{FAMILIES / 'stylegan2_nvlabs'}.py:Generator", "--weights", weights,
                             "--family", "stylegan2", "--split", "b4.conv1", "--split", "b8.conv0", "--out", out)
        self.assertEqual(rc, 0, err)
        manifest = check_bundle(self, out)
        self.assertEqual(manifest["auxiliary"], [{"name": "w", "shape": [6, 16]}, {"name": "skip", "shape": [3, 16, 16]}])
        self.assertEqual([l["shape"] for l in manifest["layers"]], [[32, 4, 4], [32, 8, 8]])

    def test_stylegan3(self):
        manifest, _ = self.export("stylegan3", stylegan3.build, ["L2_20_8"])
        self.assertEqual(manifest["truncation"], {"method": "input", "default": 0.7})
        self.assertEqual(manifest["auxiliary"], [{"name": "w", "shape": [6, 16]}])
        self.assertEqual(manifest["layers"][0]["shape"], [8, 20, 20])

    def test_stylegan3_needs_its_stand_ins_for_onnx(self):
        """Without the batch-free modulated_conv2d and affine_grid stand-ins, the export is refused."""
        gen = adapters.build("stylegan3", Loaded(stylegan3.build().eval()), adapters.Options())
        gen.exporting = contextlib.nullcontext
        cut = gen.cut("L0_12_16")
        with self.assertRaises(ExportError):
            export_cut(gen, cut, self.tmp / "sg3-head.onnx", self.tmp / "sg3-tail.onnx")

    def test_conditional_stylegan3_fixes_its_class(self):
        g = stylegan3.build(c_dim=4).eval()
        with self.assertRaisesRegex(ExportError, "give --class K with 0 <= K < 4"):
            adapters.build("stylegan3", Loaded(g), adapters.Options()).split_shapes()
        gen = adapters.build("stylegan3", Loaded(g), adapters.Options(class_index=2))
        verify_cut(gen, gen.cut("L1_12_16"))

    def test_biggan_class_vector_is_an_auxiliary(self):
        manifest, _ = self.export("biggan", biggan.build, ["layers.1"], "--class", "3", "--truncation", "0.5")
        self.assertEqual(manifest["truncation"], {"method": "latent", "default": 0.5})
        self.assertEqual(manifest["auxiliary"], [{"name": "latent", "shape": [16]}, {"name": "class", "shape": [10]}])
        self.assertEqual(manifest["image"]["width"], 32)

    def test_biggan_without_a_class_is_refused(self):
        weights = self.tmp / "biggan-noclass.pt"
        torch.save(biggan.build().state_dict(), weights)
        rc, _, err = run_cli("--module", f"{FAMILIES / 'biggan'}.py:build", "--weights", weights, "--family", "biggan",
                             "--split", "layers.1", "--out", self.tmp / "nope")
        self.assertEqual(rc, 1)
        self.assertIn("give --class K with 0 <= K < 10", err)

    def test_a_module_of_another_family_is_refused(self):
        with self.assertRaisesRegex(ExportError, "--family stylegan2 expects rosinality's stylegan2-pytorch Generator"):
            adapters.build("stylegan2", Loaded(progan.build()), adapters.Options())

    def test_unknown_split_point_lists_the_family_split_points(self):
        gen = adapters.build("progan", Loaded(progan.build()), adapters.Options())
        with self.assertRaisesRegex(ExportError, "one of groupScale0.0, scaleLayers.0.0"):
            gen.cut("layers.1")


if __name__ == "__main__":
    unittest.main()
