"""`classicnets evaluate gan-mnist` on a tiny GAN, a tiny LeNet and a toy Hub-layout image dataset."""

import json
import os
import sys
from unittest import mock

import pytest
import torch

from classicnets import GANConfig, GANModel, LeNetConfig, LeNetForImageClassification
from classicnets.cli import main
from classicnets.errors import CheckpointError
from classicnets.evaluation.gan_metrics import evaluate_gan_mnist

from ..training.test_gan_mnist import write_image_dataset


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    torch.manual_seed(0)
    LeNetForImageClassification(LeNetConfig.from_preset("tiny")).save_pretrained(root / "lenet")
    GANModel(GANConfig.from_preset("tiny")).save_pretrained(root / "gan")
    GANModel(GANConfig.from_preset("tiny", num_classes=10)).save_pretrained(root / "cgan")
    write_image_dataset(root / "data", n_train=120, n_test=80)
    return root


def program(capsys, *argv) -> tuple[int, str]:
    """(exit code, stderr) of `classicnets ARGV` as the program runs it (argv from sys.argv)."""
    with mock.patch.object(sys, "argv", ["classicnets", *map(str, argv)]), mock.patch.dict(os.environ):
        os.environ.pop("CLASSICNETS_DEBUG", None)
        capsys.readouterr()
        code = main()
    return code, capsys.readouterr().err


def _run(setup, *extra):
    return main(["evaluate", "gan-mnist", str(setup / "gan"), "--classifier", str(setup / "lenet"),
                 "--dataset", str(setup / "data"), "--num_images", "200", *extra])


def test_table_and_json(setup, tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert _run(setup, "--output", str(out), "--seed", "3") == 0
    table = capsys.readouterr().out
    for text in ("LeNet-FID", "LeNet-FID floor", "Inception score", "confident share (p >= 0.9)", "digit shares",
                 "200 generated (seed 3) vs 80 real test images", "x the floor"):
        assert text in table
    results = json.loads(out.read_text())
    assert results["num_images"] == 200 and len(results["class_shares"]) == 10
    assert sum(results["class_shares"]) == pytest.approx(1.0)
    assert 1.0 <= results["inception_score"] <= 10.0 and 0.0 <= results["confident_share"] <= 1.0
    assert results["lenet_fid"] >= 0 and results["lenet_fid_floor"] >= 0
    assert "label_accuracy" not in results


def test_same_seed_same_numbers_and_conditional_label_accuracy(setup):
    kwargs = dict(classifier_dir=setup / "lenet", num_images=100, dataset=str(setup / "data"), floor=False)
    a, b = evaluate_gan_mnist(setup / "gan", **kwargs), evaluate_gan_mnist(setup / "gan", **kwargs)
    assert a["lenet_fid"] == b["lenet_fid"] and a["inception_score"] == b["inception_score"]
    c = evaluate_gan_mnist(setup / "cgan", **kwargs)
    assert c["conditional"] and 0.0 <= c["label_accuracy"] <= 1.0 and "lenet_fid_floor" not in c


def test_help_and_clear_errors(setup, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "gan-mnist", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--classifier", "--num_images", "--seed", "--output", "floor"):
        assert option in help_text
    assert main(["evaluate"]) == 2
    assert "gan-mnist" in capsys.readouterr().out
    code, err = program(capsys, "evaluate", "gan-mnist", setup / "gan", "--classifier", tmp_path / "nope")
    assert code == 1 and len(err.splitlines()) == 1 and err.startswith("classicnets evaluate: error: No classifier at")
    assert f"`classicnets train lenet-mnist --output_dir {tmp_path / 'nope'}`" in err  # the command that makes it
    code, err = program(capsys, "evaluate", "gan-mnist", tmp_path, "--classifier", setup / "lenet")
    assert code == 1 and err.startswith(f"classicnets evaluate: error: No GAN checkpoint at {tmp_path}:")
    with pytest.raises(CheckpointError, match="No GAN checkpoint"):  # a Python caller gets the exception
        main(["evaluate", "gan-mnist", str(tmp_path), "--classifier", str(setup / "lenet")])


@pytest.mark.parametrize("argv, message", [
    (["--num_images", "0"], "--num_images must be >= 10 (FID needs a covariance, the Inception score ten splits) "
                            "(got 0)"),
    (["--num_images", "9"], "--num_images must be >= 10"),
    (["--batch_size", "0"], "--batch_size must be >= 1 (got 0)"),
    (["--seed", "-3"], "--seed must be in [0, 2**64) (got -3)"),
    (["--num_images", "many"], "--num_images: invalid int value: 'many'; `classicnets evaluate gan-mnist --help` "
                               "lists every option."),
])
def test_options_are_checked_when_parsed(tmp_path, capsys, argv, message):
    """In one line, exit code 2, before any folder is looked at (none exists here)."""
    code, err = program(capsys, "evaluate", "gan-mnist", tmp_path / "no-gan", *argv)
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"classicnets evaluate: error: {message}"), err


def test_folders_of_the_wrong_kind(setup, tmp_path, capsys):
    code, err = program(capsys, "evaluate", "gan-mnist", setup / "lenet", "--classifier", setup / "lenet")
    assert code == 1 and len(err.splitlines()) == 1
    assert f"{setup / 'lenet'} holds a LeNet image classifier, but `classicnets evaluate gan-mnist` as CHECKPOINT " \
           "needs a GAN image generator" in err
    code, err = program(capsys, "evaluate", "gan-mnist", setup / "gan", "--classifier", setup / "gan")
    assert code == 1 and "as --classifier needs a LeNet image classifier" in err
    rgb = tmp_path / "rgb-lenet"
    LeNetForImageClassification(LeNetConfig.from_preset("tiny", num_channels=3)).save_pretrained(rgb)
    code, err = program(capsys, "evaluate", "gan-mnist", setup / "gan", "--classifier", rgb)
    assert code == 1 and "takes 3-channel 28x28 images but the GAN makes 1-channel 28x28 ones" in err
