"""Shared helpers of the fault tests: the `classicnets` program in a subprocess or in-process (as its console
script runs it), tiny data files and a tiny saved char-LSTM."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEXT = "ROMEO: Café crème, où est-il?\nJULIET: Là-bas, près du café.\n" * 20


def run_program(*argv: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """`python -m classicnets ARGV` with the libraries' progress bars off (they also write to stderr)."""
    full_env = {key: value for key, value in os.environ.items() if key != "CLASSICNETS_DEBUG"}
    full_env.update({"HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "OMP_NUM_THREADS": "1",
                     "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "classicnets", *argv], capture_output=True, text=True, env=full_env,
                          timeout=timeout)


@pytest.fixture
def console(monkeypatch, capsys):
    """Run `classicnets ARGV` in this process the way the console script does (argv from sys.argv): returns the
    exit code and stderr."""
    from classicnets.commands import main

    monkeypatch.delenv("CLASSICNETS_DEBUG", raising=False)

    def run(*argv: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["classicnets", *argv])
        capsys.readouterr()
        code = main()
        return code, capsys.readouterr().err

    return run


@pytest.fixture
def latin1_corpus(tmp_path) -> tuple[Path, Path]:
    """A Latin-1 training file (é is byte 0xe9, at offset 10) and a UTF-8 validation file."""
    train, valid = tmp_path / "latin1.txt", tmp_path / "valid.txt"
    train.write_bytes(TEXT.encode("latin-1"))
    valid.write_text(TEXT[:200], encoding="utf-8")
    return train, valid


def write_csv(path: Path, rows: list[tuple[str, int]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["sentence", "label"])
        writer.writerows(rows)
    return path


@pytest.fixture
def gapped_labels(tmp_path) -> tuple[Path, Path]:
    """SST-2-like CSVs whose training labels are 0, 1 and 6 (a typo for 1, say)."""
    train = write_csv(tmp_path / "train.csv", [("a fine film .", 0), ("a dull film .", 1), ("so so .", 6)] * 8)
    valid = write_csv(tmp_path / "valid.csv", [("good .", 0), ("bad .", 1)] * 4)
    return train, valid


@pytest.fixture
def char_lstm_checkpoint(tmp_path) -> Path:
    """A tiny saved char-LSTM (model and tokenizer)."""
    from classicnets.models.char_lstm import CharLSTMConfig, CharLSTMForCausalLM, CharTokenizer
    from classicnets.models.registry import register_all

    register_all()
    folder = tmp_path / "char-lstm"
    tokenizer = CharTokenizer.from_corpus([TEXT])
    config = CharLSTMConfig.from_preset("tiny", vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                        unk_token_id=tokenizer.unk_token_id)
    CharLSTMForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
