"""Options that cannot work are refused when the command line is parsed: one line naming the option and the fix,
exit code 2, instead of a ZeroDivisionError at step 1 or a silently different run."""

import pytest

from classicnets.errors import OptionError
from classicnets.training import TrainingArguments
from classicnets.training.recipes.char_lstm import CharLSTMArguments
from classicnets.training.recipes.gan_mnist import GANMNISTArguments
from classicnets.training.recipes.transformer_mlm import TransformerMLMArguments
from classicnets.training.recipes.transformer_sst2 import TransformerSST2Arguments


@pytest.mark.parametrize(("options", "message"), [
    ({"eval_steps": 0}, r"--eval_steps must be >= 1 \(got 0\); .*above --max_steps evaluates only there"),
    ({"logging_steps": 0}, r"--logging_steps must be >= 1 \(got 0\)"),
    ({"max_steps": 0}, r"--max_steps must be >= 1 \(got 0\); -1 trains for --num_train_epochs"),
    ({"max_steps": -5}, r"--max_steps must be >= 1 \(got -5\)"),
    ({"learning_rate": -1e-3}, r"--learning_rate must be >= 0 \(got -0.001\)"),
    ({"per_device_train_batch_size": 0}, r"--per_device_train_batch_size must be >= 1 \(got 0\)"),
    ({"per_device_train_batch_size": 2.5}, r"--per_device_train_batch_size must be a whole number \(got 2.5\)"),
    ({"per_device_eval_batch_size": 0}, r"--per_device_eval_batch_size must be >= 1"),
    ({"warmup_steps": -1}, r"--warmup_steps must be >= 0 \(got -1\)"),
    ({"save_total_limit": -1}, r"--save_total_limit must be >= 0 \(got -1\); 0 keeps every checkpoint"),
    ({"save_steps": -1}, r"--save_steps must be >= 0 \(got -1\)"),
    ({"max_grad_norm": -1.0}, r"--max_grad_norm must be >= 0 \(got -1.0\); 0 turns clipping off"),
    ({"adam_beta2": 1.0}, r"--adam_beta2 must be in \[0, 1\)"),
    ({"weight_decay": -0.1}, r"--weight_decay must be >= 0"),
    ({"seed": -1}, r"--seed must be in \[0, 2\*\*32\)"),
    ({"lr_scheduler_type": "cosin"}, r"--lr_scheduler_type must be one of linear, cosine, .* \(got 'cosin'\)"),
    ({"mixed_precision": "fp8"}, r"--mixed_precision must be no, bf16 or fp16 \(got 'fp8'\)"),
])
def test_training_arguments_refuse_values_that_cannot_work(options, message):
    with pytest.raises(OptionError, match=message) as info:
        TrainingArguments(**options)
    assert info.value.option == next(iter(options)) and info.value.exit_code == 2


@pytest.mark.parametrize(("option", "limit", "beyond"), [
    ("max_steps", -1, -2), ("eval_steps", 1, 0), ("logging_steps", 1, 0), ("save_steps", 0, -1),
    ("save_total_limit", 0, -1), ("max_grad_norm", 0.0, -0.5), ("warmup_steps", 0, -1),
])
def test_the_limit_is_accepted_and_one_beyond_it_refused(option, limit, beyond):
    assert getattr(TrainingArguments(**{option: limit}), option) == limit
    with pytest.raises(OptionError, match=f"--{option} must be"):
        TrainingArguments(**{option: beyond})


@pytest.mark.parametrize(("cls", "options", "message"), [
    (CharLSTMArguments, {"block_size": 0}, r"--block_size must be >= 2 \(got 0\)"),
    (CharLSTMArguments, {"eval_streams": 0}, r"--eval_streams must be >= 1 \(got 0\)"),
    (CharLSTMArguments, {"eval_chunk": 0}, r"--eval_chunk must be >= 1"),
    (CharLSTMArguments, {"preset": "huge"}, r"--preset must be one of .*shakespeare.* \(got 'huge'\)"),
    (CharLSTMArguments, {"encoding": "utf-9"}, r"--encoding is not an encoding Python knows \(got 'utf-9'\)"),
    (CharLSTMArguments, {"validation_file": "v.txt"}, r"--validation_file needs --train_file"),
    (CharLSTMArguments, {"dropout": 1.0}, r"--dropout must be in \[0, 1\)"),
    (TransformerSST2Arguments, {"num_labels": 1}, r"--num_labels must be >= 2 \(got 1\)"),
    (TransformerSST2Arguments, {"d_model": 0}, r"--d_model must be >= 1"),
    (TransformerSST2Arguments, {"vocab_size": 0}, r"--vocab_size must be >= 1"),
    (TransformerMLMArguments, {"mlm_probability": 0.0}, r"--mlm_probability must be in \(0, 1\)"),
    (GANMNISTArguments, {"beta1": 1.5}, r"--beta1 must be in \[0, 1\)"),
    (GANMNISTArguments, {"generator_hidden_sizes": [64, 0]}, r"--generator_hidden_sizes must be widths >= 1"),
    (GANMNISTArguments, {"max_train_samples": 0}, r"--max_train_samples must be >= 1"),
])
def test_recipe_arguments_refuse_values_that_cannot_work(cls, options, message):
    with pytest.raises(OptionError, match=message):
        cls(**options)


def _train(tmp_path, *argv):
    """`classicnets train char-lstm ...` up to the engine (which is not started)."""
    from classicnets.cli import main

    return main(["train", "char-lstm", *argv, "--output_dir", str(tmp_path / "run")])


@pytest.mark.parametrize(("text", "message"), [
    ("max_steps: [1, 2]\n", r"opts.yaml: max_steps must be a whole number \(got \[1, 2\]\)"),
    ("per_device_train_batch_size: 2.5\n", r"opts.yaml: per_device_train_batch_size must be a whole number"),
    ("learning_rate: fast\n", r"opts.yaml: learning_rate must be a number \(got 'fast'\)"),
    ("disable_tqdm: 3\n", r"opts.yaml: disable_tqdm must be true or false \(got 3\)"),
    ("block_size: {a: 1}\n", r"opts.yaml: block_size must be a whole number"),
    ("eval_steps: 0\n", r"opts.yaml: eval_steps must be >= 1 \(got 0\)"),  # a range error, still named as the file's
    ("max_steps: [\n", r"opts.yaml is not valid YAML at line 2"),
    ("- max_steps\n", r"opts.yaml must hold a mapping of option names"),
])
def test_options_file_values_are_type_checked_with_file_and_key(tmp_path, monkeypatch, text, message):
    monkeypatch.setattr("classicnets.training.Engine.train", lambda self: pytest.fail("must not train"))
    options = tmp_path / "opts.yaml"
    options.write_text(text)
    with pytest.raises(OptionError, match=message):
        _train(tmp_path, str(options))


def test_options_file_numbers_that_yaml_reads_as_strings_pass_the_check(tmp_path, monkeypatch):
    """`1e-3` is a string to YAML 1.1: converted, not refused; the error is the list's."""
    monkeypatch.setattr("classicnets.training.Engine.train", lambda self: pytest.fail("must not train"))
    options = tmp_path / "opts.yaml"
    options.write_text("learning_rate: 1e-3\nmax_steps: [3]\n")
    with pytest.raises(OptionError, match=r"opts.yaml: max_steps must be a whole number \(got \[3\]\)"):
        _train(tmp_path, str(options))


@pytest.mark.parametrize(("argv", "message"), [
    (["--eval_steps", "0"], r"^--eval_steps must be >= 1 \(got 0\)"),
    (["--per_device_train_batch_size", "2.5"], r"^--per_device_train_batch_size: invalid int value: '2.5'; "),
    (["--max_stepz", "3"], r"unrecognized arguments: --max_stepz 3 \(did you mean --max_steps\?\)"),
    (["--max-steps", "3"], r"unrecognized arguments: --max-steps 3 \(did you mean --max_steps\?\)"),  # one style
    (["--max_st", "3"], r"unrecognized arguments: --max_st 3"),  # no abbreviations: --lr is not --lr_scheduler_type
])
def test_flags_are_refused_in_one_line_with_exit_code_2(console, tmp_path, argv, message):
    import re

    code, err = console("train", "char-lstm", *argv, "--output_dir", str(tmp_path / "run"))
    assert code == 2
    line, = err.splitlines()
    assert line.startswith("classicnets train: error: ")
    assert re.search(message, line.removeprefix("classicnets train: error: ")), line
    assert not (tmp_path / "run").exists()  # refused before anything started


@pytest.mark.parametrize("command", [["generate", "some-run", "--num_im", "2"], ["push", "some-run", "org/name",
                                                                              "--commit", "x"]])
def test_other_commands_take_no_abbreviated_flags(console, capsys, command):
    with pytest.raises(SystemExit) as exit_info:  # argparse's own refusal: usage, then the error, exit code 2
        console(*command)
    assert exit_info.value.code == 2
    assert f"unrecognized arguments: {' '.join(command[-2:])}" in capsys.readouterr().err
