"""An exponential moving average (EMA) of model weights, for evaluating and saving a smoother model.

The raw weights keep training; after every optimizer step the average moves towards them:
    average = d * average + (1 - d) * weights,   d = min(decay, (1 + n) / (10 + n)) after n updates,
the warm-up of timm's ModelEmaV2 and diffusers' EMAModel, so that a short run's average is not dominated by the
random initial weights. Floating-point buffers (BatchNorm running statistics) are averaged the same way.
"""

from contextlib import contextmanager

import torch
from torch import nn


class ExponentialMovingAverage:
    def __init__(self, modules: dict[str, nn.Module], decay: float):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"The EMA decay must be in (0, 1), got {decay}: try 0.999 (0 turns EMA off).")
        self.decay = decay
        self.num_updates = 0
        # The live tensors, by name: the parameters and buffers themselves (their storage never changes), so the
        # flat lists the per-step update works on are built once.
        live = {name: _distinct_floating_tensors(module) for name, module in modules.items()}
        self.average = {name: {k: t.detach().clone() for k, t in tensors.items()} for name, tensors in live.items()}
        self._averages = [self.average[n][k] for n, tensors in live.items() for k in tensors]
        self._weights = [t.detach() for tensors in live.values() for t in tensors.values()]

    def current_decay(self) -> float:
        return min(self.decay, (1 + self.num_updates) / (10 + self.num_updates))

    @torch.no_grad()
    def update(self) -> None:
        self.num_updates += 1
        torch._foreach_lerp_(self._averages, self._weights, 1.0 - self.current_decay())

    @contextmanager
    def averaged_weights(self):
        """Put the averaged weights into the live modules for the `with` block, then restore the raw ones."""
        self._swap()
        try:
            yield
        finally:
            self._swap()

    @torch.no_grad()
    def _swap(self) -> None:
        for average, weight in zip(self._averages, self._weights):
            saved = weight.detach().clone()
            weight.copy_(average)
            average.copy_(saved)

    # Checkpointing (accelerator.register_for_checkpointing): a resumed run continues the same average.
    def state_dict(self) -> dict:
        return {"decay": self.decay, "num_updates": self.num_updates, "average": self.average}

    def load_state_dict(self, state: dict) -> None:
        if state["average"].keys() != self.average.keys() or any(
            state["average"][n].keys() != self.average[n].keys() for n in self.average
        ):
            raise ValueError("The checkpoint's EMA holds other weights than this model: was it saved by another "
                             "recipe or architecture?")
        self.num_updates = state["num_updates"]
        with torch.no_grad():
            for name, tensors in self.average.items():
                for key, tensor in tensors.items():
                    tensor.copy_(state["average"][name][key])


def _distinct_floating_tensors(module: nn.Module) -> dict[str, torch.Tensor]:
    """Floating-point parameters and buffers by state_dict name, each tensor once (tied weights share one)."""
    tensors, seen = {}, set()
    for key, tensor in module.state_dict(keep_vars=True).items():
        if tensor.dtype.is_floating_point and id(tensor) not in seen:
            seen.add(id(tensor))
            tensors[key] = tensor
    return tensors
