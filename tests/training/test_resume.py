import json
import signal

import pytest
import torch
from safetensors.torch import load_file

from classicnets.training import checkpointing

from .helpers import card_reports, killed_at, run_train, tiny_char_lstm_args


def _weights(path):
    return load_file(str(path / "model.safetensors"))


@pytest.mark.slow
@pytest.mark.parametrize("stateful", [False, True], ids=["shuffled", "stateful"])
def test_killed_and_resumed_run_matches_uninterrupted_run(tmp_path, stateful):
    """2N steps in one go == N steps, SIGKILL, resume: same weights to 1e-6 (dropout on, so RNG matters).

    With --ema_decay, so that the average is checkpointed too: the saved model is the average, the last
    checkpoint holds the raw weights; both must match. Stateful training also checkpoints the carried LSTM state."""
    n = 6
    options = {"max_steps": 2 * n, "save_steps": n, "dropout": 0.2, "ema_decay": 0.8, "stateful_training": stateful}
    straight = tmp_path / "straight"
    run_train(tiny_char_lstm_args(tmp_path, straight, **options))

    resumed = tmp_path / "resumed"
    killed = run_train(tiny_char_lstm_args(tmp_path, resumed, **options), launcher=killed_at(n + 3), check=False)
    assert killed.returncode == -signal.SIGKILL
    assert [p.name for p in checkpointing.completed_checkpoints(resumed)] == [f"checkpoint-{n}"]
    assert not (resumed / "model.safetensors").exists()
    run_train(tiny_char_lstm_args(tmp_path, resumed, resume_from_checkpoint="latest", **options))

    a, b = _weights(straight), _weights(resumed)
    raw_a = _weights(checkpointing.checkpoints_dir(straight) / f"checkpoint-{2 * n}")
    raw_b = _weights(checkpointing.checkpoints_dir(resumed) / f"checkpoint-{2 * n}")
    assert a.keys() == b.keys() == raw_a.keys() == raw_b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=0)
        torch.testing.assert_close(raw_a[key], raw_b[key], atol=1e-6, rtol=0)
    assert any(not torch.equal(a[key], raw_a[key]) for key in a)  # the saved model is the average
    first = json.loads((straight / "metrics.json").read_text())
    second = json.loads((resumed / "metrics.json").read_text())
    assert first["global_step"] == second["global_step"] == 2 * n
    assert first["final"]["val_loss"] == pytest.approx(second["final"]["val_loss"], abs=1e-6)
    # The steps the killed run logged after its checkpoint (n+2) are logged once, by the resumed run.
    logged = [[(r["kind"], r["step"]) for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())]
              for run in (straight, resumed)]
    assert logged[0] == logged[1] and ("train", n + 2) in logged[0]
    card = (straight / "README.md").read_text()  # the model card carries the measured result and the command
    assert card_reports(card, first["final"]["val_loss"]) and "classicnets train char-lstm" in card
    assert "`train.txt` (local data)" in card and "karpathy/tiny_shakespeare" not in card  # --train_file's data


def test_interrupted_checkpoint_is_never_latest(tmp_path):
    root = checkpointing.checkpoints_dir(tmp_path)
    (root / "checkpoint-10").mkdir(parents=True)
    (root / "checkpoint-10" / checkpointing.ENGINE_STATE).write_text("{}")
    (root / "checkpoint-20.tmp").mkdir()  # killed while writing
    (root / "checkpoint-30").mkdir()  # renamed by hand, never sealed
    assert checkpointing.resolve_checkpoint(tmp_path, "latest") == root / "checkpoint-10"
    with pytest.raises(FileNotFoundError, match="not a finished"):
        checkpointing.resolve_checkpoint(tmp_path, str(root / "checkpoint-30"))


def test_finalize_rotates_old_checkpoints(tmp_path):
    for step in (1, 2, 3):
        checkpointing.temporary_path(tmp_path, step).mkdir(parents=True)
        checkpointing.finalize(tmp_path, step, {"global_step": step}, keep=2)
    assert [p.name for p in checkpointing.completed_checkpoints(tmp_path)] == ["checkpoint-2", "checkpoint-3"]


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no finished checkpoint"):
        checkpointing.resolve_checkpoint(tmp_path, "latest")


def test_a_fresh_run_never_mixes_with_an_earlier_one(tmp_path):
    """Training into a folder that holds a run stops with an error that names the way out, and deletes nothing;
    --overwrite_output_dir starts afresh there."""
    run = tmp_path / "run"
    options = {"max_steps": 4, "save_steps": 2}
    run_train(tiny_char_lstm_args(tmp_path, run, **options))
    before = (run / "metrics.jsonl").read_text()
    again = run_train(tiny_char_lstm_args(tmp_path, run, **options), check=False)
    assert again.returncode != 0
    assert "already holds a run (2 checkpoint(s), the latest checkpoint-4 and metrics.jsonl)" in again.stderr
    assert "--resume_from_checkpoint latest" in again.stderr and "--overwrite_output_dir" in again.stderr
    assert (run / "metrics.jsonl").read_text() == before
    assert [p.name for p in checkpointing.completed_checkpoints(run)] == ["checkpoint-2", "checkpoint-4"]

    run_train(tiny_char_lstm_args(tmp_path, run, max_steps=3, save_steps=0, overwrite_output_dir=True))
    assert [p.name for p in checkpointing.completed_checkpoints(run)] == ["checkpoint-3"]
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and max(steps) == 3  # only the new run's records
