"""Options that cannot work are refused when the command line is parsed: one line naming the option and the fix,
exit code 2, instead of a ZeroDivisionError at step 1 or a silently different run."""

import pytest

from classicnets.errors import OptionError
from classicnets.training import TrainingArguments
from classicnets.training.recipes.char_lstm import CharLSTMArguments
from classicnets.training.recipes.gan_mnist import GANMNISTArguments
from classicnets.training.recipes.lenet_mnist import LeNetMNISTArguments
from classicnets.training.recipes.transformer_mlm import TransformerMLMArguments
from classicnets.training.recipes.transformer_seq2seq import TransformerSeq2SeqArguments
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
    (TransformerSST2Arguments, {"vocab_size": 0}, r"--vocab_size must be >= 6 \(got 0\); .*5 special tokens"),
    (TransformerSST2Arguments, {"vocab_size": 5}, r"--vocab_size must be >= 6 \(got 5\)"),
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
def test_other_commands_take_no_abbreviated_flags(console, command):
    code, err = console(*command)  # one line, exit code 2, as `train` refuses a flag
    assert code == 2
    line, = err.splitlines()
    assert line.startswith(f"classicnets {command[0]}: error: unrecognized arguments: {' '.join(command[-2:])}"), line


# --- every recipe's options: ranges, finite numbers, choices, combinations (issue 16) ------------------------


@pytest.mark.parametrize(("options", "message"), [
    ({"num_beams": 0}, r"^--num_beams must be >= 1 \(got 0\); 1 decodes greedily$"),
    ({"d_model": 0}, r"^--d_model must be >= 1 \(got 0\)"),
    ({"num_heads": 0}, r"^--num_heads must be >= 1"),
    ({"encoder_layers": 0}, r"^--encoder_layers must be >= 1"),
    ({"decoder_layers": 0}, r"^--decoder_layers must be >= 1"),
    ({"ffn_dim": -1}, r"^--ffn_dim must be >= 1"),
    ({"min_frequency": 0}, r"^--min_frequency must be >= 1"),
    ({"dropout": 1.0}, r"^--dropout must be in \[0, 1\)"),
    ({"attention_dropout": -0.1}, r"^--attention_dropout must be in \[0, 1\)"),
    ({"vocab_size": 4}, r"^--vocab_size must be >= 5 \(got 4\); .*4 special tokens \[PAD\] \[UNK\] \[BOS\] \[EOS\]"),
    ({"max_train_samples": 0}, r"^--max_train_samples must be >= 1"),
    ({"max_eval_samples": -3}, r"^--max_eval_samples must be >= 1"),
    ({"num_samples": -1}, r"^--num_samples must be >= 0 \(got -1\); 0 prints and saves no samples"),
    ({"initializer_range": 0.0}, r"^--initializer_range must be > 0"),
    ({"activation": "tanh"}, r"^--activation must be one of relu, gelu, silu, gelu_new \(got 'tanh'\)"),
    ({"tokenizer_type": "wordpiece"}, r"^--tokenizer_type must be one of char, bpe"),
    ({"max_source_length": 1}, r"^--max_source_length must be >= 2 \(got 1\); a token and \[EOS\]"),
    ({"num_heads": 3}, r"^--num_heads must divide --d_model 128 \(each head .*\(got 3\); e.g. 1, 2, 4, 8, 16$"),
    ({"d_model": 64, "num_heads": 6}, r"^--num_heads must divide --d_model 64"),
    ({"dropout": float("nan")}, r"^--dropout must be a finite number \(got nan\)"),
    ({"num_beams": 2.0}, r"^--num_beams must be a whole number"),  # types are checked here too
    ({"validation_file": "v.csv"}, r"^--validation_file needs --train_file"),
    ({"target_lang": "en"}, r"^--source_lang is needed with --target_lang; give both --source_lang and"),
])
def test_seq2seq_arguments_are_refused_by_option(options, message):
    with pytest.raises(OptionError, match=message) as info:
        TransformerSeq2SeqArguments(**options)
    assert info.value.option in options or info.value.option == "source_lang"


@pytest.mark.parametrize(("cls", "options", "message"), [
    (TransformerSST2Arguments, {"num_heads": 3}, r"^--num_heads must divide the preset sst2's d_model 128 .*\(got 3\); "
                                                 r"e.g. 1, 2, 4, 8, 16, or set --d_model$"),
    (TransformerMLMArguments, {"d_model": 64, "num_heads": 3}, r"^--num_heads must divide --d_model 64"),
    (TransformerSST2Arguments, {"preset": "tiny", "d_model": 30}, r"^--d_model must be a multiple of the preset "
                                                                  r"tiny's num_heads 4 .*\(got 30\); e.g. 28 or 32"),
])
def test_heads_that_do_not_divide_the_width_are_refused_when_parsed(cls, options, message):
    with pytest.raises(OptionError, match=message):
        cls(**options)
    assert cls(**{**options, "num_heads": 2}).num_heads == 2  # a count that divides passes


@pytest.mark.parametrize(("recipe", "argv", "message"), [
    ("transformer-seq2seq", ["--num_beams", "0"], "--num_beams must be >= 1 (got 0); 1 decodes greedily"),
    ("transformer-seq2seq", ["--d_model", "0"], "--d_model must be >= 1 (got 0)"),
    ("transformer-sst2", ["--num_heads", "3"], "--num_heads must divide the preset sst2's d_model 128"),
    ("transformer-mlm", ["--d_model", "64", "--num_heads", "3"], "--num_heads must divide --d_model 64"),
    ("transformer-seq2seq", ["--d_model", "64", "--num_heads", "3"], "--num_heads must divide --d_model 64"),
    ("char-lstm", ["--report_to", "foo"], "--report_to must be none, or one or a comma list (no spaces) of all, "),
    ("char-lstm", ["--learning_rate", "inf"], "--learning_rate must be a finite number (got inf)"),
    ("gan-mnist", ["--d_lr", "nan"], "--d_lr must be a finite number (got nan)"),
    ("char-lstm", ["--max_time", "0"], "--max_time must be > 0 minutes (got 0.0); leave it out to train without a "
                                       "time limit"),
    ("gan-mnist", ["--preset", "tiny", "--generator_hidden_sizes", "8", "8", "8"],
     "--generator_hidden_sizes does not fit the preset tiny: 'dcgan' with 3 generator_hidden_sizes halves"),
])
def test_recipe_flags_are_refused_in_one_line_before_the_run_starts(console, tmp_path, recipe, argv, message):
    code, err = console("train", recipe, *argv, "--output_dir", str(tmp_path / "run"))
    assert code == 2
    line, = err.splitlines()
    assert line.startswith(f"classicnets train: error: {message}"), line
    assert not (tmp_path / "run").exists()  # refused before the output folder was made


@pytest.mark.parametrize("name", ["learning_rate", "weight_decay", "max_grad_norm", "num_train_epochs", "max_time",
                                  "adam_beta1", "ema_decay"])
@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_training_arguments_refuse_inf_and_nan(name, value):
    with pytest.raises(OptionError, match=rf"^--{name} must be a finite number \(got {value}\)$"):
        TrainingArguments(**{name: value})


@pytest.mark.parametrize(("cls", "name"), [
    (GANMNISTArguments, "d_lr"), (GANMNISTArguments, "g_lr"), (GANMNISTArguments, "label_smoothing"),
    (TransformerSST2Arguments, "distill_temperature"), (TransformerSST2Arguments, "distill_alpha"),
    (TransformerMLMArguments, "mlm_probability"), (LeNetMNISTArguments, "warmup_fraction"),
    (CharLSTMArguments, "dropout"),
])
def test_recipe_arguments_refuse_inf(cls, name):
    with pytest.raises(OptionError, match=rf"^--{name} must be a finite number \(got inf\)$"):
        cls(**{name: float("inf")})


def test_an_options_file_inf_is_refused_with_file_and_key(tmp_path, monkeypatch):
    monkeypatch.setattr("classicnets.training.Engine.train", lambda self: pytest.fail("must not train"))
    options = tmp_path / "opts.yaml"
    options.write_text("learning_rate: .inf\n")
    with pytest.raises(OptionError, match=r"opts.yaml: learning_rate must be a finite number \(got inf\)"):
        _train(tmp_path, str(options))


def test_an_output_dir_that_is_a_file_is_refused_when_parsed(tmp_path):
    (tmp_path / "notes").write_text("mine")
    for output_dir in (tmp_path / "notes", tmp_path / "notes" / "run"):
        with pytest.raises(OptionError, match=r"--output_dir is not a folder: .*notes is a file.*choose a folder"):
            TrainingArguments(output_dir=str(output_dir))
    assert (tmp_path / "notes").read_text() == "mine"
    assert TrainingArguments(output_dir=str(tmp_path / "new" / "run")).output_dir.endswith("run")


def test_max_time_must_be_positive_and_a_small_one_passes():
    with pytest.raises(OptionError, match=r"--max_time must be > 0 minutes \(got 0\)"):
        TrainingArguments(max_time=0)
    assert TrainingArguments(max_time=0.001).max_time == 0.001


@pytest.mark.parametrize(("value", "message"), [
    ("foo", r"--report_to must be none, or one or a comma list \(no spaces\) of all, aim, tensorboard, wandb.* "
            r"\(got 'foo'\)"),
    ("tensorboard, wandb", r"--report_to must be none, or one or a comma list \(no spaces\)"),
    ("none,tensorboard", r"--report_to must be .* \(got 'none,tensorboard'\); none stands alone"),
])
def test_report_to_names_only_trackers_accelerate_knows(value, message):
    with pytest.raises(OptionError, match=message):
        TrainingArguments(report_to=value)
    assert TrainingArguments(report_to="none").report_to == "none"
    assert TrainingArguments(report_to="all").report_to == "all"


def test_report_to_a_tracker_that_is_not_installed_is_refused(monkeypatch):
    """accelerate silently skips a tracker whose package is missing: a run that logs nothing."""
    monkeypatch.setattr("accelerate.tracking.get_available_trackers", lambda: [])
    with pytest.raises(OptionError, match=r"--report_to names wandb, which is not installed \(got 'wandb'\); "
                                          r"pip install wandb, or leave it out"):
        TrainingArguments(report_to="wandb")
    with pytest.raises(OptionError, match=r"pip install comet-ml"):
        TrainingArguments(report_to="comet_ml")


@pytest.mark.parametrize(("cls", "name"), [(GANMNISTArguments, "eval_seed"), (GANMNISTArguments, "sample_seed"),
                                           (GANMNISTArguments, "cluster_seed"), (TransformerMLMArguments, "mask_seed")])
def test_recipe_seeds_are_in_the_range_of_seed(cls, name):
    for bad in (-1, 2**64):
        with pytest.raises(OptionError, match=rf"--{name} must be in \[0, 2\*\*32\)"):
            cls(**{name: bad})


def test_gan_architecture_overrides_are_checked_against_the_preset():
    with pytest.raises(OptionError, match=r"--discriminator_hidden_sizes does not fit the preset dcgan: .*divisible "
                                          r"by 8; got 28.* \(got \[16, 32, 64\]\)"):
        GANMNISTArguments(discriminator_hidden_sizes=[16, 32, 64])
    assert GANMNISTArguments(preset="mlp", generator_hidden_sizes=[64, 64, 64]).preset == "mlp"  # mlp: any depth


def test_char_lstm_sample_needs_a_prompt():
    with pytest.raises(OptionError, match=r"--sample_prompt must hold at least one character \(got ''\); .*"
                                          r"--sample_chars 0 writes no sample"):
        CharLSTMArguments(sample_prompt="")
    assert CharLSTMArguments(sample_prompt="", sample_chars=0).sample_chars == 0


@pytest.mark.parametrize(("options", "message"), [
    ({"activation": "tanh"}, r"--activation must be one of relu, gelu, silu, gelu_new \(got 'tanh'\)"),
    ({"pooling": "sum"}, r"--pooling must be one of first, mean, max \(got 'sum'\)"),
    ({"init_from": "some/run", "d_model": 64}, r"^--init_from takes its architecture from the checkpoint: drop "
                                               r"--d_model; only --dropout, --attention_dropout, --pooling may"),
])
def test_transformer_text_options_from_a_file_or_python_are_checked(options, message):
    with pytest.raises(OptionError, match=message):
        TransformerSST2Arguments(**options)
