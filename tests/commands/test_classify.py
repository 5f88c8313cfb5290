"""`classicnets classify`: sentences from arguments, a file or standard input; labels and scores out."""

import io
import json
import os
import subprocess
import sys

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from .checkpoints import SENTENCES
from .program import one_line_error, run_program


def run(capsys, *argv):
    return run_program(capsys, "classify", *argv)


def one_line(err: str) -> str:
    return one_line_error("classify", err)


def probabilities(folder, sentences):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.no_grad():
        return model(**tokenizer(sentences, return_tensors="pt", padding=True)).logits.softmax(-1)


def test_arguments_give_label_and_score_lines(sst2_dir, capsys):
    code, out, _ = run(capsys, sst2_dir, SENTENCES[0], SENTENCES[1])
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    probs = probabilities(sst2_dir, SENTENCES[:2])
    for line, sentence, p in zip(lines, SENTENCES[:2], probs):
        label, score, text = line.split("\t")
        assert text == sentence and label == ["negative", "positive"][int(p.argmax())]
        assert float(score) == pytest.approx(float(p.max()), abs=1e-4)
    assert [line.split("\t")[0] for line in lines] == ["positive", "negative"]  # the tiny model learnt these two


def test_json_lines_from_a_file_skip_blank_lines(sst2_dir, tmp_path, capsys):
    (tmp_path / "in.txt").write_text(f"{SENTENCES[2]}\n\n   \n{SENTENCES[3]}\n", encoding="utf-8")
    code, out, _ = run(capsys, sst2_dir, "--file", tmp_path / "in.txt", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == SENTENCES[2:4]
    for row in rows:
        assert set(row["scores"]) == {"negative", "positive"} and row["label"] in row["scores"]
        assert row["score"] == max(row["scores"].values()) and sum(row["scores"].values()) == pytest.approx(1)


def test_standard_input(sst2_dir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{SENTENCES[4]}\n{SENTENCES[5]}\n"))
    code, out, _ = run(capsys, sst2_dir, "--json")
    assert code == 0 and [json.loads(line)["text"] for line in out.splitlines()] == SENTENCES[4:6]


def test_a_pipe_into_the_command(sst2_dir, tmp_path):
    """As a shell user pipes text in: `... | classicnets classify RUN --file - --json`, in its own process."""
    proc = subprocess.run([sys.executable, "-m", "classicnets", "classify", str(sst2_dir), "--file", "-", "--json"],
                          input=f"{SENTENCES[0]}\n\n{SENTENCES[1]}\n", capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["text"] for r in rows] == SENTENCES[:2] and {r["label"] for r in rows} <= {"negative", "positive"}


def test_errors(sst2_dir, char_lstm_dir, tmp_path, capsys, monkeypatch):
    code, out, err = run(capsys, char_lstm_dir, "hello")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "char-LSTM language model" in err and "`classicnets generate`" in err
    code, _, err = run(capsys, tmp_path / "nope", "hello")
    assert code == 1 and "No such folder or Hub repo" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n\n"))
    code, _, err = run(capsys, sst2_dir)
    assert code == 2 and "no sentences" in err
    code, _, err = run(capsys, sst2_dir, "x", "--file", tmp_path / "f.txt")
    assert code == 2 and "not both" in err
    code, _, err = run(capsys, sst2_dir, "--file", tmp_path / "missing.txt")
    assert code == 1 and "missing.txt" in err


@pytest.mark.parametrize("argv, message", [
    (["x", "--batch_size", "0"], "--batch_size must be >= 1 (got 0)"),
    (["x", "--batch_size", "two"], "--batch_size: invalid int value: 'two'; `classicnets classify --help` lists"),
    (["x", "--encoding", "utf-9"], "--encoding is not an encoding Python knows (got 'utf-9')"),
    (["x", "--jsn"], "unrecognized arguments: --jsn (did you mean --json?)"),
])
def test_options_are_refused_in_one_line_before_the_checkpoint(tmp_path, capsys, argv, message):
    code, out, err = run(capsys, tmp_path / "no-such-run", *argv)
    assert code == 2 and out == "" and one_line(err).startswith(message), err


def test_a_latin1_file_is_named_with_its_byte_and_read_with_encoding(sst2_dir, tmp_path, capsys, monkeypatch):
    path = tmp_path / "reviews.txt"
    path.write_bytes(f"{SENTENCES[0]}\nun film très ennuyeux .\n".encode("latin-1"))
    offset = path.read_bytes().index(b"\xe8")
    code, out, err = run(capsys, sst2_dir, "--file", path)
    assert code == 1 and out == ""
    line = one_line(err)
    assert line.startswith(f"--file {path} is not valid utf-8: byte 0xe8 at offset {offset} (line 2)"), line
    assert "--encoding latin-1" in line and "convert the file to UTF-8" in line
    code, out, err = run(capsys, sst2_dir, "--file", path, "--encoding", "latin-1", "--json")
    assert code == 0, err
    assert [json.loads(row)["text"] for row in out.splitlines()] == [SENTENCES[0], "un film très ennuyeux ."]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes()), encoding="utf-8"))
    code, _, err = run(capsys, sst2_dir)
    assert code == 1 and one_line(err).startswith(f"standard input is not valid utf-8: byte 0xe8 at offset {offset}")


def test_parsers_import_no_heavy_library():
    """`classicnets <command> --help` must stay fast: building the parsers imports no torch/transformers/gradio."""
    code = ("import sys\nfrom classicnets.commands import classify, demo, ensemble, evaluate, generate, push, space\n"
            "for m in (classify, demo, ensemble, evaluate, generate, push, space):\n"
            "    m.build_parser().format_help()\n"
            "heavy = sorted({'torch', 'transformers', 'gradio', 'huggingface_hub'} & set(sys.modules))\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    help_text = subprocess.run([sys.executable, "-m", "classicnets", "--help"], capture_output=True, text=True).stdout
    for command in ("generate", "classify", "demo", "space"):
        assert f"\n  {command} " in help_text


def test_an_ensemble_classifies_and_its_demo_draws_a_member(sst2_dir, tmp_path, capsys):
    from classicnets import TransformerEnsembleForSequenceClassification
    from classicnets.demos.sst2 import attention_image, attention_model

    ensemble = TransformerEnsembleForSequenceClassification.from_members([sst2_dir, sst2_dir]).eval()
    ensemble.save_pretrained(tmp_path / "ensemble")
    AutoTokenizer.from_pretrained(sst2_dir).save_pretrained(tmp_path / "ensemble")
    code, out, _ = run(capsys, tmp_path / "ensemble", SENTENCES[0], "--json")
    assert code == 0
    row = json.loads(out)
    single = probabilities(sst2_dir, [SENTENCES[0]])[0]  # two copies of one model: the ensemble says the same
    assert row["label"] == "positive" and row["score"] == pytest.approx(float(single.max()), abs=1e-4)
    assert attention_model(ensemble) is ensemble.members[0]
    assert attention_image(ensemble, AutoTokenizer.from_pretrained(sst2_dir), SENTENCES[0]).width > 100
