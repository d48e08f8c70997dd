"""One copy of the weights for every graph of a bundle.

Each split's head and tail hold most of the generator's weights (the head everything before the split,
the tail everything after, both the mapping network), so k splits stored as self-contained ONNX files
carry about k copies. Instead every large initializer goes to one ONNX external-data file beside the
graphs, stored once by content: graphs that use the same tensor point at the same bytes. ONNX Runtime
reads external data relative to the graph file, so the graphs and the weights file share one folder."""
import hashlib
from pathlib import Path
from typing import Dict, Tuple

import onnx
from onnx import TensorProto

ALIGN = 64  # bytes; each tensor starts at a multiple (aligned loads, and mmap-friendly readers)
MIN_BYTES = 1024  # smaller tensors (shapes, scalars, tiny filters) stay inside the graph


class SharedWeights:
    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "wb")
        self._offsets: Dict[str, Tuple[int, int]] = {}  # content digest -> (offset, length)
        self.size = 0  # bytes written, padding included
        self.tensor_bytes = 0  # bytes the graphs refer to (a tensor shared by several graphs counts each time)

    def _store(self, data: bytes) -> Tuple[int, int]:
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._offsets:
            pad = -self.size % ALIGN
            self._file.write(b"\0" * pad + data)
            self._offsets[digest] = (self.size + pad, len(data))
            self.size += pad + len(data)
        return self._offsets[digest]

    def externalize(self, model: onnx.ModelProto) -> onnx.ModelProto:
        """Moves the model's large initializers into the shared file (in place); returns the model."""
        for tensor in model.graph.initializer:
            if not tensor.HasField("raw_data") or len(tensor.raw_data) < MIN_BYTES:
                continue
            offset, length = self._store(tensor.raw_data)
            self.tensor_bytes += length
            tensor.ClearField("raw_data")
            tensor.data_location = TensorProto.EXTERNAL
            del tensor.external_data[:]
            for key, value in (("location", self.path.name), ("offset", str(offset)), ("length", str(length))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
        return model

    def close(self) -> None:
        self._file.close()
