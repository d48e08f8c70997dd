"""The family adapters against the unmodified public code in ../shared/gan-code (tests/real_code.py):
what an export refuses and why, and the adapters' stand-ins. The exports themselves, with ONNX Runtime
checks, generation and a decomposition, are in test/export/exporter.test.ts (tests/make_bundles.py).

NVlabs' two code bases share top-level package names, so this process imports only stylegan3's; the
stylegan2-ada-pytorch checks run the exporter's command line in a process of its own."""
import contextlib
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import onnx
import torch

from pandaexport import adapters
from pandaexport.adapters import nvlabs
from pandaexport.errors import ExportError
from pandaexport.loading import Loaded
from pandaexport.onnxio import _export_bytes, export_cut
from pandaexport.verify import References, verify_cut

from . import real_code
from .bundle_checks import run_cli


def _built(case_name: str, folder: Path):
    """The exporter arguments of a real-code case, its weights built in a process of its own."""
    code = ("import json, sys; from pathlib import Path; from tests import real_code; "
            f"case = next(c for c in real_code.CASES if c.name == {case_name!r}); "
            "print(json.dumps(case.make(Path(sys.argv[1]))))")
    r = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=Path(__file__).parent.parent,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    import json
    return json.loads(r.stdout.strip().splitlines()[-1])


def _without(args, flag):
    i = args.index(flag)
    return args[:i] + args[i + 2:]


@unittest.skipUnless(real_code.AVAILABLE, real_code.ABSENT)
class RealCodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="panda-real-code-"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def nvlabs_sg3(self, network="stylegan3-t", c_dim=0):
        args = real_code.random_nvlabs.parser().parse_args(
            ["--network", network, "--code", str(real_code.NVLABS_SG3), "--resolution", "16", "--channel-base", "256",
             "--channel-max", "16", "--z-dim", "16", "--w-dim", "16", "--mapping-layers", "1", "--c-dim", str(c_dim),
             "--out", "unused"])
        return real_code.trained_looking(real_code.random_nvlabs.build(args)).eval()

    def test_a_conditional_nvlabs_pickle_needs_its_class_and_a_resnet_splits_at_blocks(self):
        folder = self.tmp / "sg2-ada"
        folder.mkdir()
        args = _built("sg2-ada", folder)
        rc, _, err = run_cli(*_without(args, "--class"), "--out", self.tmp / "nope", process=True)
        self.assertEqual(rc, 1)
        self.assertIn("this generator is class-conditional; give --class K with 0 <= K < 3", err.strip().splitlines()[-1])
        resnet = self.tmp / "resnet"
        resnet.mkdir()
        rc, out, err = run_cli(*_without(_built("sg2-ada-resnet", resnet), "--split"), "--list-splits", process=True)
        self.assertEqual(rc, 0, err)
        self.assertEqual([line.split()[0] for line in out.splitlines()[1:]], ["b4", "b8", "b16"])

    def test_stylegan3_head_and_tail_match_the_generator_for_t_and_r(self):
        for network in ("stylegan3-t", "stylegan3-r"):
            gen = adapters.build("stylegan3", Loaded(self.nvlabs_sg3(network)), adapters.Options())
            names = [name for name, _, _ in gen.split_shapes()]
            self.assertEqual(names[0], "input")
            report = verify_cut(gen, gen.cut(names[2]), References(gen))
            self.assertLess(report.max_abs_diff, 1e-4)

    def test_stylegan3_checks_against_nvlabs_own_images(self):
        """The export checks head∘tail against the generator run with the exporter's upfirdn2d (NVlabs' CPU
        reference filters every inserted zero: hours at 1024): those images are NVlabs' own."""
        for network in ("stylegan3-t", "stylegan3-r"):
            g = self.nvlabs_sg3(network)
            gen = adapters.build("stylegan3", Loaded(g), adapters.Options())
            z = gen.latent.sample(3, seed=5)
            with torch.no_grad():
                unpatched = g(z, None, truncation_psi=0.7, noise_mode="const", force_fp32=True)
                checked = gen.reference(z, 0.7)
            self.assertGreater(unpatched.abs().max().item(), 0.01)
            self.assertLess((checked - unpatched).abs().max().item(), 1e-5)

    def test_stylegan3_needs_its_stand_ins_for_onnx(self):
        """Without the batch-free modulated_conv2d and affine_grid stand-ins, the export is refused."""
        gen = adapters.build("stylegan3", Loaded(self.nvlabs_sg3()), adapters.Options())
        gen.exporting = contextlib.nullcontext
        with self.assertRaises(ExportError):
            list(export_cut(gen, gen.cut("input"), (3, 16, 16), lambda message: None))

    def test_the_static_upfirdn2d_computes_nvlabs_reference_exactly(self):
        """The export's upfirdn2d (static kernels, strided downsampling, polyphase upsampling) against NVlabs' own
        reference, for 2-D and separable filters, up, down, padding and cropping, flipped or not."""
        ops = real_code._import(real_code.NVLABS_SG3, "torch_utils.ops.upfirdn2d")
        static = nvlabs._static_upfirdn2d_ref(ops)
        g = torch.Generator().manual_seed(0)
        checked = 0
        # upsampling runs as a polyphase transposed convolution: filters longer and shorter than, and not a
        # multiple of, the factor; unequal factors; paddings that crop into the result and reach past it
        for taps in ([12], [6, 6], [4], [5], [7, 3]):
            for up, down, padding in ((1, 2, 0), (2, 1, [3, 2, 3, 2]), (1, 2, [1, 2, 1, 2]), (2, 2, [-1, 3, 2, -2]),
                                      (4, 2, [5, 5, 5, 5]), (4, 1, [22, -3, 11, 12]), ([2, 4], 1, [1, 2, 3, 4]),
                                      (3, 1, 0)):
                for flip in (False, True):
                    x, f = torch.randn(2, 5, 23, 21, generator=g), torch.rand(taps, generator=g)
                    expected = ops._upfirdn2d_ref(x, f, up=up, down=down, padding=padding, flip_filter=flip, gain=4)
                    got = static(x, f, up=up, down=down, padding=padding, flip_filter=flip, gain=4)
                    self.assertEqual(got.shape, expected.shape)
                    self.assertLess((got - expected).abs().max().item(), 1e-6)
                    checked += 1
        self.assertEqual(checked, 80)

    def test_the_lean_filtered_lrelu_computes_nvlabs_reference_to_the_bit(self):
        """StyleGAN3's filtered activation as the export runs it (in groups of channels: all at once, two and one,
        one at a time) against NVlabs' _filtered_lrelu_ref, both on the export's upfirdn2d: bias, the up/down
        factors and paddings of StyleGAN3's layers, separable and radial (2-D) filters, gain, clamp or none,
        flipped or not."""
        ops = real_code._import(real_code.NVLABS_SG3, "torch_utils.ops.upfirdn2d")
        lrelu = real_code._import(real_code.NVLABS_SG3, "torch_utils.ops.filtered_lrelu")
        g = torch.Generator().manual_seed(1)
        with nvlabs._replaced(ops, "_upfirdn2d_ref", nvlabs._static_upfirdn2d_ref(ops)):
            checked = 0
            for up, down, fu_taps, fd_taps, padding in ((2, 2, [12], [12], [11, 10, 11, 10]),
                                                        (4, 2, [24], [12, 12], [-2, -5, -2, -5]),
                                                        (2, 2, [12], [6, 6], [-9, -10, -9, -10]), (1, 1, None, None, 0)):
                for clamp, flip, gain in ((None, False, 2 ** 0.5), (0.25, True, 1.0)):
                    x, b = torch.randn(2, 3, 23, 21, generator=g), torch.randn(3, generator=g)
                    fu = None if fu_taps is None else torch.rand(fu_taps, generator=g)
                    fd = None if fd_taps is None else torch.rand(fd_taps, generator=g)
                    kwargs = dict(fu=fu, fd=fd, b=b, up=up, down=down, padding=padding, gain=gain, slope=0.2,
                                  clamp=clamp, flip_filter=flip)
                    expected = lrelu._filtered_lrelu_ref(x, **kwargs)
                    self.assertGreater(expected.abs().max().item(), 0.01)
                    for chunk_bytes in (1 << 40, 40_000, 1):
                        got = nvlabs._lean_filtered_lrelu_ref(lrelu, ops, chunk_bytes)(x, **kwargs)
                        self.assertEqual(got.shape, expected.shape)
                        self.assertTrue(torch.equal(got, expected), f"up {up} clamp {clamp} chunk {chunk_bytes}")
                        checked += 1
        self.assertEqual(checked, 24)

    def test_a_large_filtered_lrelu_is_exported_in_groups_of_channels(self):
        """The traced graph runs a filtered activation whose upsampled map exceeds the budget on groups of
        channels (here 4 groups of one: four times the convolutions), and a small one on all channels at once."""
        ops = real_code._import(real_code.NVLABS_SG3, "torch_utils.ops.upfirdn2d")
        lrelu = real_code._import(real_code.NVLABS_SG3, "torch_utils.ops.filtered_lrelu")

        class Activation(torch.nn.Module):
            def __init__(self, chunk_bytes):
                super().__init__()
                self.run = nvlabs._lean_filtered_lrelu_ref(lrelu, ops, chunk_bytes)

            def forward(self, x):
                return self.run(x, fu=torch.ones(12) / 12, fd=torch.ones(12) / 12, up=2, down=2, padding=[11, 10, 11, 10])

        def ops_of(chunk_bytes):
            graph = onnx.load_from_string(_export_bytes(Activation(chunk_bytes), (torch.randn(2, 4, 16, 16),), ["x"], ["y"]))
            return [n.op_type for n in graph.graph.node]

        with nvlabs._replaced(ops, "_upfirdn2d_ref", nvlabs._static_upfirdn2d_ref(ops)):
            whole, grouped = ops_of(1 << 40), ops_of(1)
        self.assertEqual(whole.count("Conv"), 4)  # upsampling along x and y, downsampling along x and y
        self.assertEqual(grouped.count("Conv"), 16)

    def test_conditional_stylegan3_fixes_its_class(self):
        g = self.nvlabs_sg3(c_dim=4)
        with self.assertRaisesRegex(ExportError, "give --class K with 0 <= K < 4"):
            adapters.build("stylegan3", Loaded(g), adapters.Options()).split_shapes()
        gen = adapters.build("stylegan3", Loaded(g), adapters.Options(class_index=2))
        self.assertLess(verify_cut(gen, gen.cut("input"), References(gen)).max_abs_diff, 1e-4)

    def test_rosinality_uses_the_checkpoints_latent_avg_and_leaves_the_module_fused(self):
        model = real_code._import(real_code.ROSINALITY, "model")
        g = real_code.trained_looking(model.Generator(8, 16, 1).eval())
        gen = adapters.build("stylegan2", Loaded(g, {"latent_avg": torch.full((16,), 0.25)}), adapters.Options())
        self.assertTrue(torch.equal(gen.w_avg, torch.full((16,), 0.25)))
        self.assertLess(verify_cut(gen, gen.cut("convs.0"), References(gen)).max_abs_diff, 1e-4)
        self.assertTrue(all(m.fused for m in g.modules() if hasattr(m, "fused")))

    def test_progan_halfway_through_growing_is_refused_and_split_points_are_listed(self):
        networks = real_code._import(real_code.GAN_ZOO, "models.networks.progressive_conv_net")
        g = networks.GNet(8, 8)
        g.addScale(8)
        gen = adapters.build("progan", Loaded(g), adapters.Options())
        with self.assertRaisesRegex(ExportError, "one of groupScale0.0, scaleLayers.0.0"):
            gen.cut("layers.1")
        with self.assertRaisesRegex(ExportError, "--family stylegan2 expects rosinality's stylegan2-pytorch Generator"):
            adapters.build("stylegan2", Loaded(g), adapters.Options())
        g.setNewAlpha(0.5)
        with self.assertRaisesRegex(ExportError, "halfway through growing"):
            adapters.build("progan", Loaded(g), adapters.Options())

    def test_biggan_without_a_class_is_refused(self):
        """As users run it, from a clone of pytorch-pretrained-BigGAN: its download helpers (boto3, tqdm) need
        not be installed for the export to get as far as the missing class."""
        folder = self.tmp / "biggan"
        folder.mkdir()
        args = _built("biggan", folder)
        rc, _, err = run_cli(*_without(args, "--class"), "--out", self.tmp / "nope", process=True)
        self.assertEqual(rc, 1)
        self.assertIn("give --class K with 0 <= K < 10", err)


if __name__ == "__main__":
    unittest.main()
