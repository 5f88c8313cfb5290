"""What a recipe's hooks see of a training run: the `TrainingContext`.

The engine owns processes, devices, precision, schedules, checkpoints and stopping; a recipe says what a
batch, a loss and an evaluation are. Its hooks (`training_step(run, batch)`, `evaluate(run, final)`,
`describe(run)`) receive this narrow view of the run, never the engine itself.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: a recipe module imports this file without torch or accelerate
    from accelerate import Accelerator
    from torch import nn

    from .arguments import TrainingArguments


class TrainingContext:
    """The run, as a recipe's hooks see it.

    - `accelerator`: the run's `accelerate.Accelerator` (`device`, `process_index`, `is_main_process`,
      `sync_gradients`, `unwrap_model`, `reduce`, ...).
    - `models`: the prepared models by name (the keys of `Recipe.models()`); under several processes they
      are wrapped (DDP): `accelerator.unwrap_model` gives the module itself.
    - `training_args`: the engine's options (`TrainingArguments`), READ-ONLY: the engine sized the run
      from them (steps, schedules, accumulation) before the first hook ran, so a change made here would
      only make the run's records (metrics.json, the card) wrong.
    - `optimize(loss, name="model")`: backward; then, on the micro-batch that completes an accumulation,
      clip, step model `name`'s optimizer and scheduler and zero its gradients. A NaN or infinite loss
      stops the run (`TrainingDivergedError`).
    - `autocast()`: a context for passes through a module that `prepare` did not wrap (an unwrapped
      module, a second pass through a discriminator): `accelerator.autocast()` under mixed precision,
      else a null context.
    - `averaged_weights()`: a context with the EMA weights in the live models (no-op without --ema_decay).
    - `print(*values)`: print on the main process only, between the progress bar's lines.
    - `step`: optimizer steps done so far (inside `training_step`, the step being made is `step + 1`).
    - `steps_per_epoch`: optimizer steps in one pass over the training data.
    - `max_steps`: the optimizer steps the run is sized for; None when --max_time alone ends it.
    - `batches_done_in_epoch`: micro-batches of the current epoch already trained on (0 in an epoch's
      first `training_step`).

    The engine keeps `step` and `batches_done_in_epoch` current. `optimize`, `autocast`,
    `averaged_weights` and `print` are the engine's own bound methods: no wrapper in a training step's way.
    """

    __slots__ = ("accelerator", "models", "_training_args", "optimize", "autocast", "averaged_weights",
                 "print", "step", "steps_per_epoch", "max_steps", "batches_done_in_epoch")

    def __init__(self, accelerator: "Accelerator", models: "dict[str, nn.Module]",
                 training_args: "TrainingArguments", *, optimize: Callable[..., None],
                 autocast: Callable[[], AbstractContextManager],
                 averaged_weights: Callable[[], AbstractContextManager], print: Callable[..., None],
                 steps_per_epoch: int, max_steps: int | None):
        self.accelerator = accelerator
        self.models = models
        self._training_args = training_args
        self.optimize = optimize
        self.autocast = autocast
        self.averaged_weights = averaged_weights
        self.print = print
        self.step = 0
        self.steps_per_epoch = steps_per_epoch
        self.max_steps = max_steps
        self.batches_done_in_epoch = 0

    @property
    def training_args(self) -> "TrainingArguments":
        """The engine's options: read them, never change them (see the class docstring)."""
        return self._training_args
