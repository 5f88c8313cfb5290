"""What a task brings to the engine: data, model(s), loss, evaluation, what to save."""

from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

from ..hub import CardSpec
from .context import TrainingContext


class Recipe:
    """Subclass and fill in `build`, `compute_loss` and `evaluate`; override `training_step` for several models.

    The hooks that run during training (`training_step`, `evaluate`, `describe`) receive the run as a
    `TrainingContext` (training/context.py): the accelerator, the prepared models, `optimize`, `autocast`,
    the step counters and the engine's options, read-only.

    `args` is the recipe's own options dataclass (`arguments_class`); the engine's options are separate.
    """

    name: str = "recipe"
    arguments_class: type = object
    card: CardSpec | None = None  # what the model card says about the family and its template; None: no card
    ema_models: tuple[str, ...] = ("model",)  # the models --ema_decay averages (keys of `models()`)
    # Engine options that suit this task better than the engine's generic defaults (`classicnets train` starts
    # from these; an options file or a flag still overrides them).
    training_defaults: dict = {}

    def __init__(self, args):
        self.args = args
        self.model: nn.Module | None = None
        self.train_dataset = None
        self.collate_fn = None
        self.show_progress = True  # the engine sets it from --disable_tqdm (and the process rank) before `build`
        self.state_objects: dict = {}  # name -> object with state_dict/load_state_dict, carried by checkpoints

    def register_state(self, name: str, obj) -> None:
        """Have checkpoints carry `obj` (its `state_dict()`: tensors, numbers, strings, lists and dicts; saved as
        safetensors and JSON, never pickled), so that a resumed run continues with it."""
        self.state_objects[name] = obj

    # --- required -----------------------------------------------------------------------------------------

    def build(self, accelerator) -> None:
        """Create `self.model` (or several, see `models`), `self.train_dataset` and optionally `self.collate_fn`."""
        raise NotImplementedError

    def compute_loss(self, model: nn.Module, batch) -> torch.Tensor:
        raise NotImplementedError

    def evaluate(self, run: TrainingContext, final: bool = False) -> dict:
        """Metrics on the evaluation data; runs under torch.no_grad with the models in eval mode (and the EMA
        weights in them with --ema_decay). `final`: the evaluation at the end of the run."""
        raise NotImplementedError

    def train_dataloader(self, training_args, accelerator) -> DataLoader:
        """The per-process training batches, before `accelerator.prepare` (which shards them across processes).

        Default: `train_dataset` shuffled by a seeded generator (never the global RNG), last partial batch dropped.
        Override for a data order of your own (the char-LSTM's stateful streams).
        """
        return DataLoader(self.train_dataset, batch_size=training_args.per_device_train_batch_size, shuffle=True,
                          drop_last=True, collate_fn=self.collate_fn,
                          generator=torch.Generator().manual_seed(training_args.seed))

    # --- defaults for a single model ------------------------------------------------------------------------

    def models(self) -> dict[str, nn.Module]:
        return {"model": self.model}

    def create_optimizers(self, training_args) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per model of `models()`, by the same names, from the engine's options."""
        return {name: adamw(model, training_args) for name, model in self.models().items()}

    def create_scheduler(self, name: str, optimizer: torch.optim.Optimizer, training_args,
                         num_training_steps: int) -> torch.optim.lr_scheduler.LRScheduler | None:
        """The learning-rate schedule of the optimizer `name` over `num_training_steps` optimizer steps, or None
        (default) for the engine's: `--lr_scheduler_type` with `--warmup_steps`, paced by time under --max_time.
        A schedule of the recipe's own is stepped once per optimizer step and checkpointed like the engine's."""
        return None

    def training_step(self, run: TrainingContext, batch) -> dict[str, float]:
        """One micro-batch: the numbers to log. Runs inside `accelerator.accumulate(...)` over every model."""
        model = run.models["model"]
        loss = self.compute_loss(model, batch)
        run.optimize(loss, "model")
        return {"loss": loss.detach().float().item()}

    def save_pretrained(self, models: dict[str, nn.Module], output_dir: Path) -> None:
        models["model"].save_pretrained(output_dir)

    # An evaluation metric drawn beside the loss curve: (metric key, PNG file name, title), or None.
    eval_curve: tuple[str, str, str] | None = None

    def plot(self, records: list[dict], output_dir: Path) -> None:
        from .metrics import plot_curves

        plot_curves(records, output_dir / "loss_curve.png", title=f"{self.name}: loss")
        if self.eval_curve is not None:
            key, file_name, title = self.eval_curve
            plot_curves([r for r in records if r["kind"] == "eval"], output_dir / file_name, keys=[key],
                        title=f"{self.name}: {title}")

    # --- the model card (README.md) of the final model ------------------------------------------------------

    def card_metrics(self, final: dict) -> dict:
        """The metrics the card's results table and model-index show (default: every number but timings)."""
        return {k: v for k, v in final.items() if isinstance(v, (int, float)) and k != "train_minutes"}

    def card_extras(self, output_dir: Path) -> dict:
        """`sample_text=` / `sample_image=` / `extra_sections=` for `render_model_card`."""
        return {}

    def card_hyperparameters(self, hyperparameters: dict) -> dict:
        """The options the card lists: override to drop those this run's other options left unused."""
        return hyperparameters

    def write_model_card(self, output_dir: Path, summary: dict) -> Path | None:
        if self.card is None:
            return None
        from ..hub.model_card import card_dataset, render_model_card, run_history_markdown
        from .run_info import portable

        extras = self.card_extras(output_dir)
        sections = [("Training run", run_history_markdown(summary)), *extras.pop("extra_sections", [])]
        hyperparameters = {**summary["recipe_arguments"],
                           **{k: summary["training_arguments"].get(k) for k in CARD_TRAINING_KEYS}}
        hyperparameters = {k: v for k, v in hyperparameters.items() if v is not None}  # unset overrides say nothing
        if hyperparameters.get("train_file"):
            hyperparameters.pop("dataset_name", None)  # not read: the files replace it
        hyperparameters = self.card_hyperparameters(hyperparameters)
        card = render_model_card(
            self.card, output_dir, self.card_metrics(summary["final"]),
            repo_id=summary["training_arguments"].get("hub_model_id") or f"your-org/{Path(output_dir).name}",
            training_command=summary["command"], hyperparameters=hyperparameters, extra_sections=sections,
            **card_dataset(portable(getattr(self.args, "train_file", None), Path.cwd()),
                           portable(getattr(self.args, "dataset_name", None), Path.cwd())), **extras,
        )
        card.save(output_dir / "README.md")
        return output_dir / "README.md"

    def describe(self, run: TrainingContext) -> str:
        """What the run trains, printed when it starts."""
        args, accelerator = run.training_args, run.accelerator
        length = (f"{run.max_steps} optimizer steps" if run.max_steps is not None
                  else f"optimizer steps for {args.max_time} min")
        lines = [f"Recipe {self.name}: {length}, {run.steps_per_epoch} per epoch, "
                 f"{accelerator.num_processes} process(es), device {accelerator.device}, "
                 f"mixed precision {args.mixed_precision}"]
        for name, model in self.models().items():
            count = sum(p.numel() for p in model.parameters())
            lines.append(f"  {name}: {type(model).__name__}, {count:,} parameters")
        return "\n".join(lines)


CARD_TRAINING_KEYS = ("seed", "max_steps", "num_train_epochs", "max_time", "per_device_train_batch_size",
                      "gradient_accumulation_steps", "learning_rate", "weight_decay", "lr_scheduler_type",
                      "warmup_steps", "max_grad_norm", "ema_decay", "mixed_precision")


def adamw(model: nn.Module, args) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on biases, norms or 1-d parameters)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=args.learning_rate, betas=(args.adam_beta1, args.adam_beta2))
