"""Accelerate decides what accelerate decides: without --mixed_precision the engine follows the launcher
(`accelerate launch --mixed_precision`, or `accelerate config` through it: both reach the process as
ACCELERATE_MIXED_PRECISION); a flag given wins. metrics.json and the card record what was used."""

import json

import pytest

from .helpers import run_train, tiny_char_lstm_args


@pytest.mark.parametrize(("launcher", "flag", "used"), [("bf16", None, "bf16"), ("bf16", "no", "no"),
                                                       (None, None, "no")])
def test_mixed_precision_follows_the_launcher_unless_given(tmp_path, launcher, flag, used):
    run = tmp_path / "run"
    env = {"ACCELERATE_MIXED_PRECISION": launcher} if launcher else {}
    proc = run_train(tiny_char_lstm_args(tmp_path, run, max_steps=2, save_steps=0, sample_chars=0,
                                         mixed_precision=flag), env=env)
    summary = json.loads((run / "metrics.json").read_text())
    assert summary["mixed_precision"] == used
    assert summary["training_arguments"]["mixed_precision"] == used
    assert f"mixed precision {used}" in proc.stdout
    assert f"| `mixed_precision` | {used} |" in (run / "README.md").read_text()
