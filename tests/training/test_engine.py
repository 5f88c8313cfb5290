"""The engine with a minimal in-test recipe: NaN handling, max_time, options files, metrics and plots."""

import json
from dataclasses import dataclass

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from classicnets.cli import main
from classicnets.training import Engine, Recipe, TrainingArguments, TrainingDivergedError, checkpointing
from classicnets.training.schedules import planned_steps


@dataclass
class RegressionArguments:
    nan_at_step: int = -1


class RegressionRecipe(Recipe):
    """y = 3x on random data; optionally returns a NaN loss at a given step."""

    name = "regression"
    arguments_class = RegressionArguments

    def build(self, accelerator):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(256, 4, generator=g)
        self.train_dataset = TensorDataset(x, x.sum(dim=1, keepdim=True) * 3)
        self.collate_fn = None
        self.model = Saveable()
        self.calls = 0

    def compute_loss(self, model, batch):
        self.calls += 1
        x, y = batch
        loss = ((model(x) - y) ** 2).mean()
        return loss * float("nan") if self.calls == self.args.nan_at_step else loss

    def evaluate(self, run, final=False):
        x, y = self.train_dataset.tensors
        return {"mse": ((run.models["model"](x) - y) ** 2).mean().item()}

    def save_pretrained(self, models, output_dir):
        (output_dir / "done.txt").write_text("ok")


class Saveable(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, x):
        return self.linear(x)


def _args(tmp_path, **kw):
    base = dict(output_dir=str(tmp_path / "run"), max_steps=20, per_device_train_batch_size=16, learning_rate=0.2,
                eval_steps=10, save_steps=5, logging_steps=5, disable_tqdm=True, lr_scheduler_type="constant")
    base.update(kw)
    return TrainingArguments(**base)


def test_engine_trains_logs_and_plots(tmp_path):
    metrics = Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path)).train()
    run = tmp_path / "run"
    assert metrics["mse"] < 2.0  # from ~30 at the start
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["kind"] == "train"] == [5, 10, 15, 20]
    assert (run / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((run / "metrics.json").read_text())
    assert summary["global_step"] == 20 and summary["final"]["mse"] == metrics["mse"]
    assert [p.name for p in checkpointing.completed_checkpoints(run)] == ["checkpoint-15", "checkpoint-20"]


def test_nan_loss_stops_with_clear_error_and_keeps_checkpoints(tmp_path):
    engine = Engine(RegressionRecipe(RegressionArguments(nan_at_step=8)), _args(tmp_path))
    with pytest.raises(TrainingDivergedError, match="loss became nan at step 8.*resume"):
        engine.train()
    run = tmp_path / "run"
    assert [p.name for p in checkpointing.completed_checkpoints(run)] == ["checkpoint-5"]
    assert not (run / "done.txt").exists()


def test_max_time_stops_cleanly(tmp_path):
    metrics = Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=10_000, max_time=1e-9)).train()
    summary = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert "max_time" in summary["stop_reason"] and summary["global_step"] == 1
    assert "mse" in metrics and (tmp_path / "run" / "done.txt").exists()


def test_gradient_accumulation_counts_optimizer_steps(tmp_path):
    Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=4, gradient_accumulation_steps=2,
                                                           save_steps=0)).train()
    summary = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert summary["global_step"] == 4


def test_callbacks_see_every_optimizer_step(tmp_path):
    """`on_step_end(run)` after each optimizer step (not each micro-batch), once its checkpoint is written."""
    seen = []

    class Recorder:
        def on_step_end(self, run):
            checkpoints = [p.name for p in checkpointing.completed_checkpoints(run.training_args.output_dir)]
            seen.append((run.step, run.batches_done_in_epoch, checkpoints[-1:]))

    engine = Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=3, save_steps=2,
                                                                   gradient_accumulation_steps=2),
                    callbacks=[Recorder()])
    engine.train()
    assert seen == [(1, 2, []), (2, 4, ["checkpoint-2"]), (3, 6, ["checkpoint-2"])]


def test_cli_help_and_errors(capsys):
    assert main(["--help"]) == 0
    assert "train" in capsys.readouterr().out
    assert main(["nope"]) == 2
    assert "unknown command 'nope'" in capsys.readouterr().err
    assert main(["train", "--help"]) == 0
    assert "char-lstm" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "char-lstm", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--block_size", "--max_time", "--resume_from_checkpoint", "--mixed_precision", "--push_to_hub"):
        assert option in help_text
    with pytest.raises(ValueError, match="Unknown recipe 'nope'.*char-lstm"):
        main(["train", "nope"])


def test_options_file_then_flags(tmp_path, monkeypatch):
    from classicnets import cli

    seen = {}
    monkeypatch.setattr("classicnets.training.Engine.train", lambda self: seen.update(engine=self))
    config = tmp_path / "opts.yaml"
    config.write_text("max_steps: 7\nlearning_rate: 0.01\nblock_size: 12\n")
    assert cli.main(["train", "char-lstm", str(config), "--learning_rate", "0.02"]) == 0
    engine = seen["engine"]
    assert engine.args.max_steps == 7 and engine.args.learning_rate == 0.02 and engine.recipe.args.block_size == 12
    # The recipe's own defaults (char-lstm: batch 8, lr 6e-3, warm-up 20, beta2 0.99) sit under the file and flags.
    assert engine.args.per_device_train_batch_size == 8 and engine.args.warmup_steps == 20
    assert cli.main(["train", "char-lstm", "--per_device_train_batch_size", "3"]) == 0
    assert seen["engine"].args.per_device_train_batch_size == 3 and seen["engine"].args.learning_rate == 6e-3
    assert cli.main(["train", "gan-mnist"]) == 0  # another recipe keeps the engine's defaults
    assert seen["engine"].args.per_device_train_batch_size == 32 and seen["engine"].args.learning_rate == 2e-3


def test_max_time_paces_the_lr_schedule(tmp_path):
    """A run cut by --max_time still walks its whole schedule: the LR is near zero at the end of a cosine."""
    engine = Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=10_000, max_time=0.02,
                                                                   lr_scheduler_type="cosine", eval_steps=10**6,
                                                                   save_steps=0, logging_steps=1))
    engine.train()
    lrs = [r["lr"] for r in engine.metrics.records() if r["kind"] == "train"]
    assert engine.run.step < 10_000  # stopped by time, long before the step budget
    assert lrs[0] > 0.15 and lrs[-1] < 0.02  # started near the peak (0.2) and decayed to ~0 on time


def test_max_time_alone_trains_past_one_epoch_until_time_is_up(tmp_path):
    """--max_time without --max_steps or --num_train_epochs: time alone ends the run (not the default one epoch),
    and the linear schedule still reaches zero on time."""
    engine = Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=-1, max_time=0.01,
                                                                   lr_scheduler_type="linear", eval_steps=10**6,
                                                                   save_steps=0, logging_steps=1))
    engine.train()
    assert engine.max_steps is None and engine.steps_per_epoch == 16
    assert engine.run.step > 2 * engine.steps_per_epoch and engine.epoch >= 2
    lrs = [r["lr"] for r in engine.metrics.records() if r["kind"] == "train"]
    assert lrs[0] > 0.15 and lrs[-1] < 0.02
    assert "max_time" in json.loads((tmp_path / "run" / "metrics.json").read_text())["stop_reason"]


@pytest.mark.parametrize(("options", "expected"), [
    ({"max_steps": 7}, 7), ({"num_train_epochs": 2.0}, 32), ({}, 16),
    ({"num_train_epochs": 0.5, "max_time": 1.0}, 8), ({"max_steps": 5, "max_time": 1.0}, 5), ({"max_time": 1.0}, None),
])
def test_planned_steps(options, expected):
    assert planned_steps(TrainingArguments(**options), steps_per_epoch=16) == expected


def test_max_time_pacing_keeps_the_warmup_in_steps(tmp_path):
    """The warm-up is never skipped, however generous --max_steps is and however slow a step."""
    engine = Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=10_000, max_time=0.02,
                                                                   lr_scheduler_type="cosine", warmup_steps=8,
                                                                   eval_steps=10**6, save_steps=0, logging_steps=1))
    engine.agreed_train_seconds = 0.6  # half the time budget already gone before the first step
    engine.setup()
    scheduler = engine.schedulers["model"]
    assert [round(scheduler.lr_lambdas[0](s), 3) for s in (0, 4, 7)] == [0.0, 0.5, 0.875]
    assert scheduler.lr_lambdas[0](8) == pytest.approx(0.5, abs=0.01)  # then the cosine, paced by time: half-way


def test_tensorboard_tracker_writes_events(tmp_path):
    Engine(RegressionRecipe(RegressionArguments()), _args(tmp_path, max_steps=5, report_to="tensorboard",
                                                           save_steps=0)).train()
    events = list((tmp_path / "run").rglob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0
