"""The real third-party checkpoint ../shared/gans/celeba-dcgan-32 (a DCGAN this team did not train)."""
import json
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import torch

from pandaexport.fxsplit import FxGenerator
from pandaexport.generator import Latent
from pandaexport.loading import load_generator

from .bundle_checks import EXPORT_DIR, REPO, check_bundle

CKPT = REPO.parent / "shared" / "gans" / "celeba-dcgan-32"
SCRIPT = EXPORT_DIR / "examples" / "export_celeba.sh"
MODULE = EXPORT_DIR / "examples" / "celeba_dcgan32.py"


@unittest.skipUnless((CKPT / "generator.pt").is_file(),
                     f"the shared checkpoint {CKPT} is absent (it is test data, never committed)")
class CelebaDcganTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="panda-celeba-"))
        cls.out = cls.tmp / "celeba-dcgan-32"
        cls.result = subprocess.run(["bash", str(SCRIPT), str(cls.out)], capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_the_example_script_exports_a_valid_bundle(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        manifest = check_bundle(self, self.out)
        self.assertEqual(manifest["id"], "celeba-dcgan-32")
        self.assertEqual(manifest["latent"], {"size": 100, "distribution": "uniform"})
        self.assertEqual(manifest["image"], {"width": 32, "height": 32, "channels": 3, "range": [-1.0, 1.0]})
        self.assertEqual([(l["id"], l["shape"]) for l in manifest["layers"]],
                         [("8x8", [64, 8, 8]), ("16x16", [32, 16, 16])])
        self.assertEqual(manifest["license"], "Apache-2.0")
        self.assertIn("fletchersarip93/face-generator", manifest["source"])
        card = (self.out / "MODEL_CARD.md").read_text()
        self.assertIn("502f4c47bcabdbb59b730a1209c13a363030f384d5ac9a99e4214c360f2dc8f7", card)  # README's sha256

    def test_head_then_tail_reproduces_the_generator(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        diffs = [float(line.rsplit("=", 1)[1]) for line in self.result.stdout.splitlines() if "head∘tail" in line]
        self.assertEqual(len(diffs), 2, self.result.stdout)
        self.assertTrue(all(d <= 1e-4 for d in diffs), diffs)
        # And independently of the exporter's own check: the module description draws faces in [-1, 1]
        # with the statistics the README promises (no saturation, no constant image).
        loaded = load_generator(f"{MODULE}:Generator", str(CKPT / "generator.pt"), {})
        gen = FxGenerator(loaded.module, Latent(100, "uniform"), 1.0)
        z = gen.latent.sample(16, seed=3)
        with torch.no_grad():
            cut = gen.cut("generator_deconv.2")
            image = cut.tail(cut.head(z))
            reference = loaded.module(z)
        self.assertLessEqual((image - reference).abs().max().item(), 1e-4)
        self.assertEqual(tuple(image.shape), (16, 3, 32, 32))
        self.assertGreater(image.std(dim=0).mean().item(), 0.1)  # images differ from latent to latent
        self.assertLess((image.abs() > 0.999).float().mean().item(), 0.2)


if __name__ == "__main__":
    unittest.main()
