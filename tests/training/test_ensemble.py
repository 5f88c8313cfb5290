"""`classicnets ensemble` and examples/transformer_sst2_ensemble.py on tiny transformer-sst2 runs of a toy dataset."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from classicnets.errors import CheckpointError, DataError, OptionError
from classicnets.training.checkpointing import LOCK_FILE

from .helpers import run_train
from .test_transformer_sst2 import NEGATIVE, POSITIVE, sst2_args, write_sentiment_dataset

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transformer_sst2_ensemble.py"


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    """Two tiny runs of different seeds; the second reads text with the first one's tokenizer."""
    root = tmp_path_factory.mktemp("ensemble")
    data = write_sentiment_dataset(root / "data")
    first, second = root / "m0", root / "m1"
    run_train(sst2_args(data, first, max_steps=12, eval_steps=100, seed=0))
    run_train(sst2_args(data, second, max_steps=12, eval_steps=100, seed=1, tokenizer_name=first / "tokenizer"))
    return data, [first, second]


def ensemble(*argv):
    from classicnets.cli import main

    return main(["ensemble", *map(str, argv)])


@pytest.mark.slow
def test_joins_members_scores_them_and_writes_a_loadable_checkpoint(members, tmp_path, capsys):
    data, folders = members
    out = tmp_path / "ensemble"
    assert ensemble(*folders, "--output_dir", out) == 0
    summary = json.loads((out / "metrics.json").read_text())
    # the members' own evaluation data, named without the local path (metrics.json is published)
    assert summary["dataset"] == f".../{data.name}" and summary["count"] == 10
    for folder, accuracy in zip(folders, summary["member_accuracy"]):  # as each run measured itself
        assert accuracy == pytest.approx(json.loads((folder / "metrics.json").read_text())["final"]["val_accuracy"])
    confusion = summary["confusion_matrix"]
    assert summary["val_accuracy"] == pytest.approx((confusion[0][0] + confusion[1][1]) / 10)
    for name in ("model.safetensors", "config.json", "tokenizer.json", "README.md", "confusion_matrix.png"):
        assert (out / name).is_file(), name
    card = (out / "README.md").read_text()
    assert "deep ensemble of 2 classifiers" in card and "classicnets ensemble" in card
    assert "A **deep ensemble of 2 small Transformer encoders**" in card and "mean of softmax over M" in card
    assert not list(tmp_path.glob("*.tmp-*"))  # the temporary folder was renamed
    # what a later --overwrite_output_dir may replace: the ensemble's own files, listed; no lock left behind
    assert summary["files"] == sorted(p.name for p in out.iterdir())
    assert "Ensemble: accuracy" in capsys.readouterr().out

    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    model = AutoModelForSequenceClassification.from_pretrained(out).eval()
    tokenizer = AutoTokenizer.from_pretrained(out)
    with torch.no_grad():
        probabilities = model(**tokenizer(POSITIVE[:2], return_tensors="pt", padding=True)).logits.softmax(-1)
    predictions = pipeline("text-classification", model=str(out))(POSITIVE[:2])
    assert [p["score"] for p in predictions] == pytest.approx(probabilities.max(-1).values.tolist(), abs=1e-5)

    with pytest.raises(FileExistsError, match="already holds files: pass --overwrite_output_dir"):
        ensemble(*folders, "--output_dir", out)
    (out / "someone_elses.txt").write_text("keep me")  # not the ensemble's: the folder is refused, nothing lost
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(FileExistsError, match=r"only replaces an earlier ensemble.*Nothing was changed"):
        ensemble(*folders, "--output_dir", out, "--overwrite_output_dir")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != LOCK_FILE} == before
    (out / "someone_elses.txt").unlink()
    assert ensemble(*folders, "--output_dir", out, "--overwrite_output_dir", "--batch_size", "3") == 0
    assert json.loads((out / "metrics.json").read_text())["val_accuracy"] == summary["val_accuracy"]
    assert not list(tmp_path.glob("*.tmp-*")) and not list(tmp_path.glob("*.replaced-*"))


@pytest.mark.slow
def test_members_with_different_tokenizers_or_data_are_refused(members, tmp_path):
    data, folders = members
    other = tmp_path / "other"
    run_train(sst2_args(data, other, max_steps=2, eval_steps=100, vocab_size=90))
    # errors the user caused: `classicnets` prints them in one line (exit code 1)
    with pytest.raises(CheckpointError, match=r"another vocabulary .* --tokenizer_name"):
        ensemble(folders[0], other, "--output_dir", tmp_path / "bad")
    with pytest.raises(DataError, match=r"needs column\(s\) \['text'\], but the dataset has"):
        ensemble(*folders, "--output_dir", tmp_path / "bad", "--text_column", "text")
    with pytest.raises(DataError, match=r"labels outside 0..1 .*\(e.g. -1\).*evaluate on 'validation'"):
        ensemble(*folders, "--output_dir", tmp_path / "bad", "--eval_split", "test")  # SST-2's hidden labels
    with pytest.raises(CheckpointError, match=r"No such folder or Hub repo: '.*missing'"):
        ensemble(folders[0], tmp_path / "missing", "--output_dir", tmp_path / "bad")
    with pytest.raises(OptionError, match=r"--batch_size must be >= 1 \(got 0\)"):
        ensemble(*folders, "--output_dir", tmp_path / "bad", "--batch_size", "0")
    assert not (tmp_path / "bad").exists()  # a failed command leaves no folder behind


@pytest.mark.slow
def test_evaluates_on_a_csv_file_with_other_column_names(members, tmp_path):
    import pandas as pd

    _, folders = members
    table = tmp_path / "valid.csv"
    pd.DataFrame({"text": POSITIVE + NEGATIVE, "target": [1] * len(POSITIVE) + [0] * len(NEGATIVE)}).to_csv(
        table, index=False)
    out = tmp_path / "csv"
    ensemble(*folders, "--output_dir", out, "--validation_file", table, "--text_column", "text",
             "--label_column", "target")
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["dataset"] == f".../{table.name}" and summary["count"] == len(POSITIVE) + len(NEGATIVE)
    assert sum(map(sum, summary["confusion_matrix"])) == summary["count"]
    assert "`valid.csv` (local data)" in (out / "README.md").read_text()  # the card names the data it scored


@pytest.mark.slow
def test_example_script_trains_members_side_by_side_and_joins_them(members, tmp_path):
    data, _ = members
    out = tmp_path / "ens"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--output_dir", str(out), "--members", "3", "--", "--dataset_name", str(data),
         "--d_model", "16", "--num_heads", "2", "--encoder_layers", "1", "--ffn_dim", "32", "--max_steps", "6",
         "--eval_steps", "100", "--max_length", "32"],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "member 2: done, accuracy" in proc.stdout and "3 members and the ensemble" in proc.stdout
    summary = json.loads((out / "metrics.json").read_text())
    assert len(summary["member_accuracy"]) == 3
    seeds = [json.loads((Path(f"{out}-members") / f"member-{i}" / "metrics.json").read_text())
             ["training_arguments"]["seed"] for i in range(3)]
    assert seeds == [0, 1, 2]
