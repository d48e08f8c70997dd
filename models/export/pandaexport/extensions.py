"""Public GAN code that compiles CUDA kernels when it is imported.

rosinality's stylegan2-pytorch calls torch.utils.cpp_extension.load() at import time (op/fused_act.py,
op/upfirdn2d.py), which fails on a machine without a CUDA toolkit, although on the CPU the same code
runs plain PyTorch fallbacks (upfirdn2d_native, F.leaky_relu). While the user's module is imported,
load() hands back a stand-in for the compiled module that fails, naming itself, only if it is used."""
import contextlib
import importlib
import io
from typing import Iterator


class CompiledOpUnavailable:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        raise RuntimeError(f"the compiled extension '{self._name}' ({attr}) was not built: exporting runs the "
                           "code's CPU path, which should not need it")


def _stand_in(name, *args, **kwargs):
    return CompiledOpUnavailable(name)


@contextlib.contextmanager
def compiled_extensions_skipped() -> Iterator[None]:
    with contextlib.redirect_stderr(io.StringIO()):  # "No CUDA runtime is found" on machines without CUDA
        cpp_extension = importlib.import_module("torch.utils.cpp_extension")
    original = cpp_extension.load
    cpp_extension.load = _stand_in
    try:
        yield
    finally:
        cpp_extension.load = original
