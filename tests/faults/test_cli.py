"""The real `classicnets` program in a subprocess: an error the user caused is exactly one line on stderr (no
traceback) naming the option or file, with exit code 2 (an option) or 1; `--debug` shows the traceback."""

import pytest

from .conftest import run_program


def _one_line(proc) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_zero_eval_steps(tmp_path):
    proc = run_program("train", "char-lstm", "--eval_steps", "0", "--output_dir", str(tmp_path / "run"))
    assert proc.returncode == 2
    assert _one_line(proc) == ("classicnets train: error: --eval_steps must be >= 1 (got 0); the run always evaluates "
                               "at its end, so a value above --max_steps evaluates only there")


def test_list_in_an_options_file(tmp_path):
    options = tmp_path / "opts.yaml"
    options.write_text("max_steps: [100, 200]\n")
    proc = run_program("train", "char-lstm", str(options), "--output_dir", str(tmp_path / "run"))
    assert proc.returncode == 2
    assert _one_line(proc) == f"classicnets train: error: {options}: max_steps must be a whole number (got [100, 200])"


@pytest.fixture
def latin1_run(latin1_corpus, tmp_path):
    train, valid = latin1_corpus
    return ["train", "char-lstm", "--preset", "tiny", "--train_file", str(train), "--validation_file", str(valid),
            "--output_dir", str(tmp_path / "run"), "--max_steps", "1", "--disable_tqdm"]


def test_latin1_train_file_and_debug_traceback(latin1_run, latin1_corpus):
    proc = run_program(*latin1_run)
    assert proc.returncode == 1
    line = _one_line(proc)
    assert line.startswith(f"classicnets train: error: --train_file {latin1_corpus[0]} is not valid utf-8: byte 0xe9 "
                           "at offset 10 (line 1)") and "--encoding latin-1" in line

    proc = run_program("--debug", *latin1_run)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr and "DataError" in proc.stderr


def test_labels_outside_0_to_k(gapped_labels, tmp_path):
    train, valid = gapped_labels
    proc = run_program("train", "transformer-sst2", "--preset", "tiny", "--train_file", str(train),
                       "--validation_file", str(valid), "--output_dir", str(tmp_path / "run"), "--disable_tqdm")
    assert proc.returncode == 1
    assert _one_line(proc) == (
        "classicnets train: error: Split 'train' has labels [0, 1, 6] in column 'label': the classes must be 0..K-1, "
        "but [2, 3, 4, 5] never occur, which would train a 7-class model. Renumber the labels 0..2, set --label_column "
        "to the right column, or pass --num_labels 7 if those classes are real.")


def test_truncated_weights(char_lstm_checkpoint):
    weights = char_lstm_checkpoint / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    proc = run_program("generate", str(char_lstm_checkpoint), "--prompt", "RO", "--max_new_tokens", "3")
    assert proc.returncode == 1
    line = _one_line(proc)
    assert line.startswith(f"classicnets generate: error: {weights}: the file is truncated")
    assert "Save the model again (save_pretrained) or download it again" in line


def test_only_user_errors_are_shortened(console, monkeypatch):
    """Our error classes become one line (CLASSICNETS_DEBUG=1 keeps the traceback); anything else is a bug and
    keeps its traceback, a plain ValueError included."""
    from classicnets.commands import train
    from classicnets.errors import DataError

    def raising(error):
        def main(argv):
            raise error
        return main

    monkeypatch.setattr(train, "main", raising(DataError("the data is wrong: fix it.")))
    assert console("train", "char-lstm") == (1, "classicnets train: error: the data is wrong: fix it.\n")
    monkeypatch.setenv("CLASSICNETS_DEBUG", "1")
    with pytest.raises(DataError):
        console("train", "char-lstm")
    monkeypatch.delenv("CLASSICNETS_DEBUG")
    for bug in (ZeroDivisionError("division by zero"), ValueError("a plain ValueError"), OSError("disk on fire")):
        monkeypatch.setattr(train, "main", raising(bug))
        with pytest.raises(type(bug)):
            console("train", "char-lstm")


@pytest.mark.parametrize(("argv", "message"), [
    (["generate", "some-run", "--num_images", "0"], "--num_images must be >= 1 (got 0)"),
    (["generate", "some-run", "--top_p", "x"], "--top_p: invalid float value: 'x'; `classicnets generate --help` "
                                               "lists every option."),
    (["classify", "some-run", "a sentence", "--batch_size", "0"], "--batch_size must be >= 1 (got 0)"),
    (["demo", "some-run", "--port", "0"], "--port must be in 1..65535 (got 0)"),
    (["space", "some-run", "--output_dir", "space", "--model_id", "bad"],
     "--model_id must be a Hub model id org/name (got 'bad')"),
    (["push", "some-run", "bad id!!"], "REPO_ID 'bad id!!' is not a Hub repo id: "),
    (["evaluate", "gan-mnist", "some-run", "--batch_size", "0"], "--batch_size must be >= 1 (got 0)"),
    (["evaluate", "gan-mnist", "some-run", "--num_images", "0"], "--num_images must be >= 10"),
    (["generate", "some-run", "--debug"], "unrecognized arguments: --debug (--debug goes before the command"),
])
def test_every_command_refuses_an_option_in_one_line(tmp_path, argv, message):
    """Not argparse's usage block (3 to 11 lines before): one line naming the option, exit code 2, and nothing
    looked up (`some-run` does not exist)."""
    proc = run_program(*argv, timeout=120)
    assert proc.returncode == 2
    assert _one_line(proc).startswith(f"classicnets {argv[0]}: error: {message}")


@pytest.mark.parametrize(("argv", "error", "words"), [
    (["generate", "{missing}"], "CheckpointError", "No such folder or Hub repo"),
    (["classify", "{missing}", "a sentence"], "CheckpointError", "No such folder or Hub repo"),
    (["demo", "{missing}"], "CheckpointError", "No such folder or Hub repo"),
    (["space", "{missing}", "--output_dir", "{tmp}/space", "--model_id", "o/m"], "CheckpointError",
     "No such folder or Hub repo"),
    (["push", "{missing}", "o/m"], "HubError", "does not exist"),
    (["evaluate", "gan-mnist", "{missing}"], "CheckpointError", "No GAN checkpoint at"),
])
def test_debug_shows_the_traceback_of_every_command(console, tmp_path, argv, error, words):
    """Each command used to catch and print its own errors, so --debug had no traceback to show."""
    argv = [a.format(missing=tmp_path / "missing", tmp=tmp_path) for a in argv]
    code, err = console(*argv)
    assert code == 1 and err.startswith(f"classicnets {argv[0]}: error: ") and err.count("\n") == 1, err
    assert words in err
    with pytest.raises(Exception) as info:
        console("--debug", *argv)
    assert type(info.value).__name__ == error and words in str(info.value)
    assert not (tmp_path / "space").exists()


def test_train_push_to_hub_without_a_token_is_one_line(console, char_lstm_checkpoint, tmp_path, monkeypatch):
    """The push at the end of `classicnets train --push_to_hub` raised a HubError that was no UserError: a
    24-line traceback."""
    from huggingface_hub import constants

    from classicnets.hub.push import push_checkpoint

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no-stored-tokens"))
    # The engine's last step, on a saved model: the same push_checkpoint call, without the training before it.
    monkeypatch.setattr("classicnets.training.Engine.train",
                        lambda self: push_checkpoint(char_lstm_checkpoint, self.args.hub_model_id))
    code, err = console("train", "char-lstm", "--output_dir", str(tmp_path / "run"), "--push_to_hub",
                        "--hub_model_id", "my-org/char-lstm")
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("classicnets train: error: No Hugging Face token found, and pushing to my-org/char-lstm "
                          "needs one with write access. Run `hf auth login`, set HF_TOKEN")
