"""`classicnets ensemble`: nothing lost (its output folder is locked and checked again just before the new
ensemble is swapped in; only an earlier ensemble's own files are ever deleted) and every mistake one line.

Members are tiny untrained transformer-sst2 classifiers saved in-process (a trained run is not needed to join,
score and save them); tests/training/test_ensemble.py joins real trained runs."""

import json
import shutil

import pytest

from classicnets.training.checkpointing import LOCK_FILE
from classicnets.training.run_lock import RunLock

from ..training.test_transformer_sst2 import NEGATIVE, POSITIVE, write_sentiment_dataset
from .conftest import run_program, write_csv


def _member(folder, seed=0, vocab_size=120, d_model=16, labels=("negative", "positive")):
    """A small untrained classifier and its tokenizer, saved as a run's final folder is."""
    import torch
    from datasets import Dataset

    from classicnets.models.transformer import (
        TransformerConfig,
        TransformerForSequenceClassification,
        train_sst2_tokenizer,
    )

    tokenizer = train_sst2_tokenizer(Dataset.from_dict({"sentence": POSITIVE + NEGATIVE}), vocab_size=vocab_size,
                                     min_frequency=1, model_max_length=32)
    torch.manual_seed(seed)
    config = TransformerConfig.from_preset(
        "sst2", vocab_size=len(tokenizer), d_model=d_model, num_heads=2, encoder_layers=1, ffn_dim=32,
        max_position_embeddings=32, pad_token_id=tokenizer.pad_token_id, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={name: i for i, name in enumerate(labels)})
    TransformerForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def no_progress_bars():
    """Without the libraries' progress bars (datasets' "Generating split", transformers' "Writing model shards"):
    what a command writes to stderr here is its error alone (the subprocess test sets the same with variables)."""
    import datasets
    from transformers.utils import logging

    datasets_bars, transformers_bars = datasets.is_progress_bar_enabled(), logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    logging.disable_progress_bar()
    yield
    if datasets_bars:
        datasets.enable_progress_bars()
    if transformers_bars:
        logging.enable_progress_bar()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("ensemble_faults")
    data = write_sentiment_dataset(root / "data")
    members = [_member(root / "m0", 0), _member(root / "m1", 1)]
    ensemble = root / "earlier"
    from classicnets.cli import main

    assert main(["ensemble", *map(str, members), "--output_dir", str(ensemble), "--dataset_name", str(data)]) == 0
    return root


@pytest.fixture
def setup(built, tmp_path):
    """A private copy: (the members' arguments, the evaluation data, an earlier ensemble's folder)."""
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    return [str(tmp_path / "m0"), str(tmp_path / "m1")], tmp_path / "data", tmp_path / "earlier"


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name != LOCK_FILE}


def _leftovers(parent):
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".replaced-" in p.name)


def _one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- i. nothing lost ----------------------------------------------------------------------------------------


def test_a_second_command_into_a_locked_folder_is_refused_naming_the_holder(setup, console):
    members, data, earlier = setup
    before = _snapshot(earlier)
    lock = RunLock(earlier).acquire()  # another command (a run, an ensemble) writing the folder
    try:
        code, err = console("ensemble", *members, "--output_dir", str(earlier), "--overwrite_output_dir",
                            "--dataset_name", str(data))
    finally:
        lock.release()
    assert code == 1
    line = _one_line(err)
    assert f"{earlier} is being written by another run (process " in line and "Wait for it to finish" in line
    assert _snapshot(earlier) == before and not _leftovers(earlier.parent)


def test_a_file_written_into_the_folder_while_the_ensemble_works_is_never_deleted(setup, console, monkeypatch):
    """The folder is checked again just before the new ensemble is swapped in: a file that appeared in it while
    the ensemble was evaluated (someone else's) used to be deleted with the earlier ensemble."""
    from classicnets.training import ensemble

    members, data, earlier = setup
    before = _snapshot(earlier)
    evaluate = ensemble.evaluate_ensemble

    def evaluate_while_someone_writes(*args, **kwargs):
        (earlier / "someone_elses.txt").write_text("keep me")
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(ensemble, "evaluate_ensemble", evaluate_while_someone_writes)
    code, err = console("ensemble", *members, "--output_dir", str(earlier), "--overwrite_output_dir",
                        "--dataset_name", str(data))
    assert code == 1
    assert "holds something other than an ensemble this command wrote" in _one_line(err)
    assert "someone_elses.txt" in err and "Nothing was changed" in err
    assert _snapshot(earlier) == {**before, "someone_elses.txt": b"keep me"}
    assert not _leftovers(earlier.parent)


@pytest.mark.parametrize("name", ["someone_elses.txt", "notes.md", "train.py", "data.json"])
def test_overwrite_refuses_an_earlier_ensemble_beside_a_file_it_did_not_write(setup, console, name):
    """Names a run might write (*.txt, *.md, *.py, *.json) were taken for the ensemble's and deleted."""
    members, data, earlier = setup
    (earlier / name).write_text("keep me")
    before = _snapshot(earlier)
    code, err = console("ensemble", *members, "--output_dir", str(earlier), "--overwrite_output_dir",
                        "--dataset_name", str(data))
    assert code == 1 and name in _one_line(err) and "only replaces an earlier ensemble" in err
    assert _snapshot(earlier) == before


@pytest.mark.parametrize("listed", [True, False], ids=["files-listed", "older-ensemble"])
def test_overwrite_replaces_an_earlier_ensemble_and_leaves_nothing_beside_it(setup, console, listed):
    members, data, earlier = setup
    metrics = json.loads((earlier / "metrics.json").read_text())
    assert "metrics.json" in metrics["files"] and "model.safetensors" in metrics["files"]
    if not listed:  # written before metrics.json listed the ensemble's files: known by their names
        del metrics["files"]
        (earlier / "metrics.json").write_text(json.dumps(metrics))
    (earlier / "model.safetensors").write_bytes(b"an earlier ensemble's weights")
    code, err = console("ensemble", *members, "--output_dir", str(earlier), "--overwrite_output_dir",
                        "--dataset_name", str(data), "--batch_size", "3")
    assert code == 0, err
    assert (earlier / "model.safetensors").read_bytes() != b"an earlier ensemble's weights"
    assert sorted(p.name for p in earlier.iterdir()) == json.loads((earlier / "metrics.json").read_text())["files"]
    assert not _leftovers(earlier.parent)


def test_a_failed_command_leaves_no_folder_behind(setup, console, tmp_path):
    members, _, _ = setup
    bad = write_csv(tmp_path / "bad.csv", [("good .", 0), ("bad .", 7)])
    code, _ = console("ensemble", *members, "--output_dir", str(tmp_path / "new"), "--validation_file", str(bad))
    assert code == 1 and not (tmp_path / "new").exists() and not _leftovers(tmp_path)


# --- k. every mistake one line --------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "message"), [
    (["--batch_size", "0"], "--batch_size must be >= 1 (got 0); it is the number of sentences scored at once"),
    (["--batch_size", "x"], "--batch_size: invalid int value: 'x'; `classicnets ensemble --help` lists every option."),
    (["--batch_siz", "3"], "unrecognized arguments: --batch_siz 3 (did you mean --batch_size?)"),
    (["--hub_model_id", "not an id"], "--hub_model_id must be a Hub model id org/name (got 'not an id')"),
    (["--validation_file", "nope.csv"], "--validation_file does not exist (got 'nope.csv')"),
    (["--validation_file", "{data}"], "--validation_file is a folder"),
    (["--validation_file", "{data}/../m0/model.safetensors"], "--validation_file must be a .csv, .tsv, .json, .jsonl "
                                                               "or .parquet file"),
    (["--dataset_name", "{data}", "--validation_file", "x.csv"], "--validation_file and --dataset_name cannot both"),
    (["--eval_split", ""], "--eval_split must not be empty (got '')"),
    (["--text_column", " "], "--text_column must not be empty"),
])
def test_options_that_cannot_work_are_refused_when_parsed(setup, console, options, message):
    members, data, _ = setup
    out = data.parent / "out"
    options = [o.replace("{data}", str(data)) for o in options]
    code, err = console("ensemble", *members, "--output_dir", str(out), *options)
    assert code == 2
    assert message in _one_line(err) and err.startswith("classicnets ensemble: error: ")
    assert not out.exists()


def _csv(path, rows, header=("sentence", "label")):
    path.write_text("\n".join([",".join(header), *(",".join(map(str, row)) for row in rows)]) + "\n")
    return str(path)


LABEL_ROWS = {"labels out of range": [("good .", 0), ("bad .", 7)], "hidden labels": [("good .", -1)],
              "text labels": [("good .", "positive")], "fractional labels": [("good .", 0.5), ("bad .", 1)],
              "no rows": []}


@pytest.mark.parametrize(("case", "message"), [
    ("missing member", "No such folder or Hub repo: '{root}/missing'"),
    ("member is a file", "is a file: pass the folder that holds config.json"),
    ("member has no model", "has no config.json, so it holds no saved model"),
    ("member has no tokenizer", "Member {root}/m1 has no tokenizer that can be loaded"),
    ("member is an ensemble", "Member {root}/earlier is itself an ensemble: pass the runs it joined"),
    ("member is a char-LSTM", "holds a char-LSTM language model, but `classicnets ensemble` joins Transformer text "
                              "classifiers"),
    ("other vocabulary", "Member {root}/other reads text with another vocabulary than {root}/m0"),
    ("other architecture", "Member {root}/other differs from {root}/m0 in d_model"),
    ("other labels", "Member {root}/other differs from {root}/m0 in id2label"),
    ("torn metrics.json", "{root}/m0/metrics.json cannot be read (JSONDecodeError"),
    ("labels out of range", "Split 'validation' has labels outside 0..1 in column 'label' (e.g. 7)"),
    ("hidden labels", "(e.g. -1): the members predict 2 classes, numbered 0..1 (-1 marks a hidden label"),
    ("text labels", "has labels outside 0..1 in column 'label' (e.g. 'positive')"),
    ("fractional labels", "(e.g. 0.5)"),
    ("no rows", "Split 'validation' of {root}/empty.csv has no rows"),
    ("unknown split", "--eval_split 'dev': the dataset {root}/data has no such split"),
    ("unknown column", "needs column(s) ['text'], but the dataset has"),
    ("output is a file", "--output_dir {root}/out is a file, not a folder"),
    ("output under a file", "--output_dir {root}/afile/out cannot be created (Not a directory)"),
])
def test_mistakes_are_one_line_with_exit_code_1(setup, console, char_lstm_checkpoint, case, message):
    members, data, earlier = setup
    root = data.parent
    out, extra = root / "out", ["--dataset_name", str(data)]
    if case == "missing member":
        members = [members[0], str(root / "missing")]
    elif case == "member is a file":
        members = [members[0], str(root / "m1" / "config.json")]
    elif case == "member has no model":
        (root / "m1" / "config.json").unlink()
    elif case == "member has no tokenizer":
        for name in ("tokenizer.json", "tokenizer_config.json"):
            (root / "m1" / name).unlink()
    elif case == "member is an ensemble":
        members = [members[0], str(earlier)]
    elif case == "member is a char-LSTM":
        members = [members[0], str(char_lstm_checkpoint)]
    elif case.startswith("other "):
        options = {"other vocabulary": {"vocab_size": 60}, "other architecture": {"d_model": 8},
                   "other labels": {"labels": ("bad", "good")}}[case]
        members = [members[0], str(_member(root / "other", **options))]
    elif case == "torn metrics.json":
        (root / "m0" / "metrics.json").write_text('{"recipe_arguments": {"dataset_na')
        extra = []
    elif case in LABEL_ROWS:
        rows = LABEL_ROWS[case]
        extra = ["--validation_file", _csv(root / ("empty.csv" if case == "no rows" else "valid.csv"), rows)]
    elif case == "unknown split":
        extra += ["--eval_split", "dev"]
    elif case == "unknown column":
        extra += ["--text_column", "text"]
    elif case == "output is a file":
        out.write_text("a file")
    elif case == "output under a file":
        (root / "afile").write_text("a file")
        out = root / "afile" / "out"
    code, err = console("ensemble", *members, "--output_dir", str(out), *extra)
    assert code == 1
    assert message.replace("{root}", str(root)) in _one_line(err), err
    assert not (root / "out").is_dir()  # nothing made


def test_the_program_prints_one_line_and_debug_the_traceback(tmp_path):
    """The real `classicnets` program: an option error before anything is imported (exit code 2), a missing
    member (exit code 1), and its traceback with --debug."""
    proc = run_program("ensemble", str(tmp_path / "m0"), "--output_dir", str(tmp_path / "out"), "--batch_size", "0")
    assert proc.returncode == 2 and _one_line(proc.stderr) == (
        "classicnets ensemble: error: --batch_size must be >= 1 (got 0); it is the number of sentences scored at "
        "once (default 128)")
    proc = run_program("ensemble", str(tmp_path / "m0"), "--output_dir", str(tmp_path / "out"))
    assert proc.returncode == 1 and _one_line(proc.stderr) == (
        f"classicnets ensemble: error: No such folder or Hub repo: '{tmp_path / 'm0'}' (check the path, or use a "
        "Hub id org/name).")
    proc = run_program("--debug", "ensemble", str(tmp_path / "m0"), "--output_dir", str(tmp_path / "out"))
    assert proc.returncode == 1 and "Traceback (most recent call last)" in proc.stderr
    assert "CheckpointError" in proc.stderr and not (tmp_path / "out").exists()
