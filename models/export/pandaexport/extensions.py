"""Public GAN code that, when it is imported, compiles CUDA kernels or imports download helpers an export
never uses.

rosinality's stylegan2-pytorch calls torch.utils.cpp_extension.load() at import time (op/fused_act.py,
op/upfirdn2d.py), which fails on a machine without a CUDA toolkit, although on the CPU the same code
runs plain PyTorch fallbacks (upfirdn2d_native, F.leaky_relu). While the user's module is imported,
load() hands back a stand-in for the compiled module that fails, naming itself, only if it is used.

pytorch-pretrained-BigGAN's package imports boto3, botocore and tqdm (to download weights); `pip install
pytorch-pretrained-biggan` brings them, a clone of its repository does not. Those that are missing are
empty stand-ins while the user's module is imported."""
import contextlib
import importlib
import io
import sys
import types
from typing import Iterator

DOWNLOAD_HELPERS = ("boto3", "botocore", "botocore.exceptions", "tqdm")


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


@contextlib.contextmanager
def download_helpers_stubbed() -> Iterator[None]:
    added = []
    for name in DOWNLOAD_HELPERS:
        try:
            importlib.import_module(name)
        except ImportError:
            stand_in = types.ModuleType(name)
            stand_in.ClientError, stand_in.tqdm = Exception, None
            sys.modules[name] = stand_in
            added.append(name)
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


@contextlib.contextmanager
def public_code_imported() -> Iterator[None]:
    """Around importing a user's generator code: both of the above."""
    with compiled_extensions_skipped(), download_helpers_stubbed():
        yield
