"""Run `classicnets train` in a subprocess, as a user would."""

import os
import re
import subprocess
import sys
from pathlib import Path

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
        "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n") * 6


def write_corpus(tmp_path: Path) -> tuple[Path, Path]:
    train, valid = tmp_path / "train.txt", tmp_path / "valid.txt"
    train.write_text(TEXT, encoding="utf-8")
    valid.write_text(TEXT[:400], encoding="utf-8")
    return train, valid


def tiny_char_lstm_args(tmp_path: Path, output_dir: Path, **options) -> list[str]:
    train, valid = write_corpus(tmp_path)
    base = {"preset": "tiny", "train_file": train, "validation_file": valid, "output_dir": output_dir,
            "block_size": 16, "per_device_train_batch_size": 4, "learning_rate": 1e-2, "eval_steps": 1000,
            "logging_steps": 2, "sample_chars": 20, "disable_tqdm": True, "eval_streams": 4, "seed": 3}
    base.update(options)
    args = ["char-lstm"]
    for key, value in base.items():
        if value is True:
            args += [f"--{key}"]
        elif value is not None:
            args += [f"--{key}", str(value)]
    return args


def killed_at(step: int) -> list[str]:
    """A `run_train` launcher whose run is SIGKILLed right after optimizer step `step` (killed_run.py)."""
    return [sys.executable, str(Path(__file__).with_name("killed_run.py")), str(step)]


def run_train(args: list[str], launcher: list[str] | None = None, env: dict | None = None, check=True):
    command = (launcher or [sys.executable, "-m", "classicnets"]) + ["train", *args]
    full_env = {**os.environ, "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", **(env or {})}
    proc = subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def card_reports(card: str, value: float) -> bool:
    """Whether the model card shows `value` (cards round to 4 decimals: look for the number, not one spelling of it)."""
    return any(abs(float(number) - value) < 1e-3 for number in re.findall(r"\d+\.\d+", card))
