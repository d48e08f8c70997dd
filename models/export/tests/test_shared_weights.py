"""One weights file for every graph of a bundle: each tensor stored once, graphs read it back intact."""
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from pandaexport.shared_weights import ALIGN, MIN_BYTES, SharedWeights


def _graph(name: str, **tensors: np.ndarray) -> onnx.ModelProto:
    """y = x + (sum of the tensors), every tensor an initializer."""
    names = list(tensors)
    nodes = [helper.make_node("Sum", ["x", *names], ["y"])]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [4, 128])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [4, 128])],
                              [numpy_helper.from_array(t, n) for n, t in tensors.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class SharedWeightsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="panda-shared-weights-"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_tensors_shared_by_graphs_are_stored_once_and_read_back(self):
        rng = np.random.default_rng(0)
        shared, own = rng.standard_normal((4, 128)).astype(np.float32), rng.standard_normal((4, 128)).astype(np.float32)
        small = np.ones((1,), np.float32)  # stays inside the graph
        weights = SharedWeights(self.tmp / "weights.bin")
        onnx.save(weights.externalize(_graph("head", a=shared, s=small)), str(self.tmp / "head.onnx"))
        onnx.save(weights.externalize(_graph("tail", b=shared, c=own)), str(self.tmp / "tail.onnx"))
        weights.close()

        self.assertGreaterEqual(shared.nbytes, MIN_BYTES)
        self.assertEqual((self.tmp / "weights.bin").stat().st_size, 2 * shared.nbytes)  # 2048 is a multiple of ALIGN
        self.assertEqual(weights.tensor_bytes, 3 * shared.nbytes)
        tail = onnx.load(str(self.tmp / "tail.onnx"), load_external_data=False)
        offsets = {t.name: {e.key: e.value for e in t.external_data} for t in tail.graph.initializer}
        self.assertEqual(offsets["b"], {"location": "weights.bin", "offset": "0", "length": str(shared.nbytes)})
        self.assertEqual(int(offsets["c"]["offset"]) % ALIGN, 0)
        for file, expected in (("head.onnx", {"a": shared, "s": small}), ("tail.onnx", {"b": shared, "c": own})):
            model = onnx.load(str(self.tmp / file))
            onnx.checker.check_model(str(self.tmp / file), full_check=True)
            self.assertEqual({t.name: numpy_helper.to_array(t).tolist() for t in model.graph.initializer},
                             {n: t.tolist() for n, t in expected.items()})


if __name__ == "__main__":
    unittest.main()
