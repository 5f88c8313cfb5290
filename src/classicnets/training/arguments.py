"""Options shared by every recipe. Each field becomes a `--flag` of `classicnets train <recipe>`.

Every options dataclass checks its values in `__post_init__` (types with `check_types`, ranges with `require`) and
raises `OptionError`, which `classicnets train` prints as one line naming the option and the fix (exit code 2):
a value that cannot work is refused when the command is parsed, not minutes later inside the loop.
"""

import dataclasses
import math
import numbers
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionError


@dataclass
class TrainingArguments:
    output_dir: str = field(default="outputs/run", metadata={
        "help": "Where checkpoints, metrics and the final model go."})
    overwrite_output_dir: bool = field(default=False, metadata={
        "help": "Start afresh in an output_dir that holds an earlier run: its files are set aside and removed once "
                "the new model is saved, and put back if the new run fails (without it such a run stops with an "
                "error: resume it or pick another folder). A folder holding files no run wrote is refused."})
    seed: int = field(default=42, metadata={"help": "Seed for weights, data order and dropout."})

    # How long to train: the first limit reached stops the run (it then evaluates and saves).
    max_steps: int = field(default=-1, metadata={"help": "Optimizer steps to run, >= 1 (-1: use num_train_epochs)."})
    num_train_epochs: float | None = field(default=None, metadata={
        "help": "Epochs to run when max_steps is -1 (default 1; with --max_time and neither limit set, time alone "
                "ends the run)."})
    max_time: float | None = field(default=None, metadata={
        "help": "Stop cleanly after this many minutes of training, > 0 (evaluation excluded). The LR schedule then "
                "follows whichever is further along, steps or time, so it ends on time on a slow machine."})

    per_device_train_batch_size: int = field(default=32, metadata={"help": "Batch size on each process (>= 1)."})
    per_device_eval_batch_size: int = field(default=64, metadata={
        "help": "Evaluation batch size on each process (>= 1)."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Micro-batches per optimizer step (>= 1)."})

    learning_rate: float = field(default=2e-3, metadata={"help": "Peak learning rate of AdamW (>= 0)."})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay (not applied to biases/norms)."})
    adam_beta1: float = field(default=0.9, metadata={"help": "AdamW beta1."})
    adam_beta2: float = field(default=0.999, metadata={"help": "AdamW beta2."})
    lr_scheduler_type: str = field(default="cosine", metadata={
        "help": "transformers.get_scheduler name: cosine, linear, constant_with_warmup, ..."})
    warmup_steps: int = field(default=0, metadata={"help": "Linear warm-up steps (>= 0)."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm (0 disables)."})
    ema_decay: float = field(default=0.0, metadata={
        "help": "Evaluate and save an exponential moving average of the weights with this decay per optimizer "
                "step (e.g. 0.999; 0: off). The raw weights keep training; checkpoints hold both."})
    mixed_precision: str | None = field(default=None, metadata={
        "help": "no | bf16 | fp16 (fp16 needs a GPU). Default: what Accelerate decides, i.e. `accelerate launch "
                "--mixed_precision` or `accelerate config` under the launcher, else no. The flag wins over both.",
        "choices": ["no", "bf16", "fp16"]})

    # As in the transformers Trainer, eval/logging intervals are >= 1: a run always evaluates at its end, so a value
    # above --max_steps evaluates (or logs) only there.
    eval_steps: int = field(default=500, metadata={
        "help": "Evaluate every N >= 1 optimizer steps, and always at the end (N above max_steps: only at the end)."})
    logging_steps: int = field(default=50, metadata={
        "help": "Log training loss every N >= 1 optimizer steps (N above max_steps: never)."})
    save_steps: int = field(default=500, metadata={"help": "Checkpoint every N optimizer steps (0: only at the end)."})
    save_total_limit: int = field(default=2, metadata={"help": "Keep the last K checkpoints (0: keep them all)."})
    resume_from_checkpoint: str | None = field(default=None, metadata={
        "help": "'latest' or a checkpoint folder to continue from."})

    report_to: str = field(default="none", metadata={
        "help": "Accelerate trackers: none, all (every one installed), or one or a comma list of tensorboard, "
                "wandb, mlflow, ... (installed)."})
    disable_tqdm: bool = field(default=False, metadata={"help": "No progress bar."})

    push_to_hub: bool = field(default=False, metadata={"help": "Upload the final model to the Hub."})
    hub_model_id: str | None = field(default=None, metadata={"help": "Hub repository, e.g. org/char-lstm."})
    hub_private_repo: bool = field(default=False, metadata={"help": "Create the Hub repository as private."})

    def __post_init__(self):
        check_types(self)
        not_a_folder = next((p for p in (Path(self.output_dir), *Path(self.output_dir).parents)
                             if p.exists() and not p.is_dir()), None) if self.output_dir else None
        require(not_a_folder is None, "output_dir", f"is not a folder: {not_a_folder} is a file", self.output_dir,
                hint="choose a folder")
        require(0 <= self.seed < 2**32, "seed", "must be in [0, 2**32)", self.seed)
        require(self.max_steps == -1 or self.max_steps >= 1, "max_steps", "must be >= 1", self.max_steps,
                hint="-1 trains for --num_train_epochs instead")
        require(self.num_train_epochs is None or self.num_train_epochs > 0, "num_train_epochs", "must be > 0",
                self.num_train_epochs)
        require(self.max_time is None or self.max_time > 0, "max_time", "must be > 0 minutes", self.max_time,
                hint="leave it out to train without a time limit")
        for name in ("per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps"):
            require(getattr(self, name) >= 1, name, "must be >= 1", getattr(self, name))
        require(self.learning_rate >= 0, "learning_rate", "must be >= 0", self.learning_rate,
                hint="0 trains nothing (a check that weights load unchanged)")
        require(self.weight_decay >= 0, "weight_decay", "must be >= 0", self.weight_decay)
        for name in ("adam_beta1", "adam_beta2"):
            require(0 <= getattr(self, name) < 1, name, "must be in [0, 1)", getattr(self, name))
        schedulers = scheduler_names()
        require(self.lr_scheduler_type in schedulers, "lr_scheduler_type", f"must be one of {', '.join(schedulers)}",
                self.lr_scheduler_type)
        require(self.warmup_steps >= 0, "warmup_steps", "must be >= 0", self.warmup_steps)
        require(self.max_grad_norm >= 0, "max_grad_norm", "must be >= 0", self.max_grad_norm,
                hint="0 turns clipping off")
        require(0.0 <= self.ema_decay < 1.0, "ema_decay", "must be in [0, 1)", self.ema_decay, hint="0 turns it off")
        require(self.mixed_precision in (None, "no", "bf16", "fp16"), "mixed_precision", "must be no, bf16 or fp16",
                self.mixed_precision)
        require(self.eval_steps >= 1, "eval_steps", "must be >= 1", self.eval_steps,
                hint="the run always evaluates at its end, so a value above --max_steps evaluates only there")
        require(self.logging_steps >= 1, "logging_steps", "must be >= 1", self.logging_steps,
                hint="a value above --max_steps logs no training loss")
        require(self.save_steps >= 0, "save_steps", "must be >= 0", self.save_steps,
                hint="0 checkpoints only at the end")
        require(self.save_total_limit >= 0, "save_total_limit", "must be >= 0", self.save_total_limit,
                hint="0 keeps every checkpoint")
        require(not (self.push_to_hub and not self.hub_model_id), "push_to_hub", "needs --hub_model_id org/name")
        check_report_to(self.report_to)


def require(ok: bool, option: str, message: str, got=..., hint: str | None = None) -> None:
    """Raise `OptionError` unless `ok`: "--option message (got value); hint"."""
    if not ok:
        raise OptionError(option, message, got, hint=hint)


def require_seed(value: int, option: str) -> None:
    """A seed that `torch.Generator().manual_seed` (and numpy) take: in [0, 2**32), as --seed."""
    require(0 <= value < 2**32, option, "must be in [0, 2**32)", value)


def check_report_to(report_to: str) -> None:
    """--report_to as the Engine hands it to accelerate (`"none"`, or a comma list): every name one accelerate
    knows, and installed (accelerate silently skips a tracker whose package is missing: a run that logs nothing)."""
    if report_to in ("none", ""):
        return
    from accelerate.tracking import LOGGER_TYPE_TO_CLASS, get_available_trackers
    from accelerate.utils import LoggerType

    known = [str(t) for t in LoggerType.list()] + [t for t in LOGGER_TYPE_TO_CLASS if t not in LoggerType.list()]
    names = report_to.split(",")
    for name in names:
        require(name in known, "report_to", f"must be none, or one or a comma list (no spaces) of {', '.join(known)}",
                report_to, hint=None if name != "none" else "none stands alone")
    if "all" in names:
        return
    available = {str(t) for t in get_available_trackers()} | {t for t in LOGGER_TYPE_TO_CLASS
                                                                if t not in LoggerType.list()}
    for name in names:
        require(name in available, "report_to", f"names {name}, which is not installed", report_to,
                hint=f"pip install {name.replace('_', '-')}, or leave it out")


def scheduler_names() -> list[str]:
    from transformers.trainer_utils import SchedulerType

    return [s.value for s in SchedulerType]


def check_types(options) -> None:
    """Refuse a field whose value is not of its annotated type (an options file or a Python caller can pass one)."""
    hints = typing.get_type_hints(type(options))
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        problem = type_problem(value, hints[f.name])
        if problem:
            raise OptionError(f.name, f"must be {problem}", value)
        if not _finite(value):  # argparse's float() and YAML read "inf" and "nan": no option means them
            raise OptionError(f.name, "must be a finite number", value)


def _finite(value) -> bool:
    """False for a float that is inf or nan (or a list holding one); True for anything else."""
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return not isinstance(value, numbers.Real) or isinstance(value, numbers.Integral) or math.isfinite(value)


def type_problem(value, annotation) -> str | None:
    """None when `value` fits `annotation` (int, float, str, bool, list[X], X | None); else what it must be.

    Lenient where Python is: an int is a float, a path is a string, a tuple is a list; a bool is never a number."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        arms = [a for a in args if a is not type(None)]
        if (value is None and len(arms) < len(args)) or any(type_problem(value, a) is None for a in arms):
            return None
        return " or ".join(_describe(a) for a in arms)
    if typing.get_origin(annotation) is list:
        fits = isinstance(value, (list, tuple)) and not (args and any(type_problem(v, args[0]) for v in value))
        return None if fits else _describe(annotation)
    checks = {bool: lambda v: isinstance(v, bool),
              int: lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool),
              float: lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool),
              str: lambda v: isinstance(v, (str, os.PathLike))}
    if annotation in checks and not checks[annotation](value):
        return _describe(annotation)
    return None


_TYPE_NAMES = {bool: ("true or false", "true/false values"), int: ("a whole number", "whole numbers"),
               float: ("a number", "numbers"), str: ("a string", "strings")}


def _describe(annotation, plural: bool = False) -> str:
    if typing.get_origin(annotation) is list:
        args = typing.get_args(annotation)
        return f"a list of {_describe(args[0], plural=True)}" if args else "a list"
    names = _TYPE_NAMES.get(annotation, (getattr(annotation, "__name__", str(annotation)),) * 2)
    return names[plural]
