"""The shape every family adapter takes: the generator as start → named steps → finish, over a
state dict whose 'x' is the feature map. A split after step k gives a head running start and steps
0..k, and a tail running the remaining steps and finish; the state entries named in `aux` cross over."""
import contextlib
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

import torch

from ..errors import ExportError
from ..generator import Cut, Exportable

State = Dict[str, torch.Tensor]


class Step(NamedTuple):
    name: str  # split point name: the path of the module that produces the feature map
    run: Callable[[State], State]


def require(module: torch.nn.Module, family: str, names: Sequence[str], expected: str) -> None:
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        raise ExportError(f"--family {family} expects {expected}; {type(module).__name__} has no "
                          f"{', '.join(missing)}")


def one_hot(z: torch.Tensor, index: Optional[int], classes: int, family: str) -> torch.Tensor:
    """The class fixed at export, as a one-hot row per sample of z."""
    if index is None or not 0 <= index < classes:
        raise ExportError(f"--family {family}: this generator is class-conditional; give --class K "
                          f"with 0 <= K < {classes}")
    row = torch.zeros(1, classes, dtype=z.dtype)
    row[0, index] = 1
    return row.expand(z.shape[0], classes)


class StagedGenerator(Exportable):
    aux: Sequence[str] = ()

    def __init__(self, module: torch.nn.Module):
        self.module = module
        self.steps: List[Step] = []  # filled by the family

    # --- what a family implements --------------------------------------------------------------
    def start(self, z: torch.Tensor, psi) -> State:
        raise NotImplementedError

    def finish(self, state: State) -> torch.Tensor:
        raise NotImplementedError

    def aux_out(self, state: State, k: int) -> List[torch.Tensor]:
        """Auxiliary tensors the head hands over after step k."""
        return [state[name] for name in self.aux]

    def aux_in(self, features: torch.Tensor, aux: Sequence[torch.Tensor], k: int) -> State:
        """The state the tail starts from."""
        return {"x": features, **dict(zip(self.aux, aux))}

    def exporting(self):
        """Context in which head and tail run: module tweaks for a batch-independent ONNX graph.
        The reference forward runs outside it, so the head∘tail check also checks the tweaks."""
        return contextlib.nullcontext()

    # --- shared ---------------------------------------------------------------------------------
    def _index(self, name: str) -> int:
        names = [s.name for s in self.steps]
        if name not in names:
            raise ExportError(f"unknown split point '{name}' for --family {self.family}: one of "
                              f"{', '.join(names)}")
        return names.index(name)

    def split_shapes(self):
        z = self.latent.sample(2, seed=0)
        psi = self.truncation.default if self.truncation.method == "input" else None
        rows = []
        with torch.no_grad(), self.exporting():
            state = self.start(z, psi)
            for step in self.steps:
                state = step.run(state)
                rows.append((step.name, tuple(state["x"].shape[1:]), ""))
        return rows

    def cut(self, name: str) -> Cut:
        k = self._index(name)
        return Cut(name, _Head(self, k), _Tail(self, k), list(self.aux))


class _Head(torch.nn.Module):
    def __init__(self, gen: StagedGenerator, k: int):
        super().__init__()
        self.generator = gen.module  # registered, so that ONNX export sees its parameters
        self._gen, self._k = gen, k

    def forward(self, z, truncation=None):
        with self._gen.exporting():
            state = self._gen.start(z, truncation)
            for step in self._gen.steps[: self._k + 1]:
                state = step.run(state)
            return (state["x"], *self._gen.aux_out(state, self._k))


class _Tail(torch.nn.Module):
    def __init__(self, gen: StagedGenerator, k: int):
        super().__init__()
        self.generator = gen.module
        self._gen, self._k = gen, k

    def forward(self, features, *aux):
        with self._gen.exporting():
            state = self._gen.aux_in(features, aux, self._k)
            for step in self._gen.steps[self._k + 1:]:
                state = step.run(state)
            return self._gen.finish(state)


def truncate(w: torch.Tensor, w_avg: torch.Tensor, psi) -> torch.Tensor:
    """StyleGAN's truncation trick, w̄ + ψ(w − w̄); psi is None (no truncation), a float or a [1] tensor."""
    return w if psi is None else w_avg + psi * (w - w_avg)
