"""The lenet-mnist recipe, trained by `classicnets train` in a subprocess on toy MNIST-like parquet files: its
model, card, metrics and plots, the folder as the GAN evaluation's classifier, and a killed run resumed."""

import json
import signal

import pytest
import torch
from safetensors.torch import load_file

from classicnets.cli import main
from classicnets.errors import DataError
from classicnets.evaluation.gan_metrics import evaluate_gan_mnist
from classicnets.models.gan import GANConfig, GANModel
from classicnets.training.recipes.lenet_mnist import LeNetMNISTArguments, LeNetMNISTRecipe

from .helpers import card_reports, killed_at, run_train
from .test_gan_mnist import write_image_dataset

PNG = b"\x89PNG\r\n\x1a\n"
RUN = {"preset": "tiny", "max_steps": 6, "save_steps": 3, "eval_steps": 3, "logging_steps": 1,
       "per_device_train_batch_size": 16, "learning_rate": 1e-2, "warmup_steps": 0,
       "lr_scheduler_type": "constant", "disable_tqdm": True, "seed": 3}


def _cli_args(data, out, **options) -> list[str]:
    args = ["lenet-mnist"]
    for key, value in {**RUN, "dataset_name": data, "output_dir": out, **options}.items():
        args += [f"--{key}"] if value is True else [f"--{key}", str(value)]
    return args


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_image_dataset(tmp_path_factory.mktemp("toy_mnist"))


@pytest.fixture(scope="module")
def trained(toy_data, tmp_path_factory):
    """Six steps straight through, checkpoints at 3 and 6."""
    out = tmp_path_factory.mktemp("lenet") / "run"
    run_train(_cli_args(toy_data, out))
    return out


def test_run_saves_model_card_metrics_and_plots(trained):
    from transformers import AutoModelForImageClassification

    summary = json.loads((trained / "metrics.json").read_text())
    final = summary["final"]
    assert summary["recipe"] == "lenet-mnist" and summary["global_step"] == 6
    for key in ("test_accuracy", "test_loss", "lenet_fid_floor", "real_inception_score",
                "real_confident_share"):
        assert isinstance(final[key], float), key
    assert 0.0 <= final["test_accuracy"] <= 1.0 and 1.0 <= final["real_inception_score"] <= 10.0
    records = [json.loads(line) for line in (trained / "metrics.jsonl").read_text().splitlines()]
    evaluations = [r for r in records if r["kind"] == "eval"]
    assert [r["step"] for r in evaluations] == [3, 6]
    assert "lenet_fid_floor" not in evaluations[0] and "lenet_fid_floor" in evaluations[1]  # at the end only
    assert [r["step"] for r in records if r["kind"] == "train"] == [1, 2, 3, 4, 5, 6]
    for name in ("loss_curve.png", "accuracy.png"):
        assert (trained / name).read_bytes()[:8] == PNG, name

    model = AutoModelForImageClassification.from_pretrained(trained)  # the Auto classes know LeNet
    assert model.config.image_size == 28 and model.config.num_channels == 1  # read off the training images
    assert model.config.id2label == {i: str(i) for i in range(10)}  # the ClassLabel's names
    assert model.config.conv_channels == [4, 8]  # the tiny preset
    assert model(pixel_values=torch.rand(2, 1, 28, 28)).logits.shape == (2, 10)

    card = (trained / "README.md").read_text()
    assert "pipeline_tag: image-classification" in card and "LeNet" in card
    assert "classicnets train lenet-mnist" in card and "--max_steps 6" in card  # how it was trained
    assert card_reports(card, final["test_accuracy"]) and card_reports(card, final["lenet_fid_floor"])
    assert "LeNet-FID floor" in card and "AutoModelForImageClassification" in card
    assert "| `conv_channels` | [4, 8] |" in card
    assert "{{" not in card and "{%" not in card


def test_the_run_folder_is_the_gan_evaluations_classifier(trained, toy_data, tmp_path, capsys):
    """`classicnets evaluate gan-mnist --classifier <run>` takes the folder as it is, and computes the
    reference numbers of real images exactly as the run reported them."""
    torch.manual_seed(0)
    GANModel(GANConfig.from_preset("tiny")).save_pretrained(tmp_path / "gan")
    assert main(["evaluate", "gan-mnist", str(tmp_path / "gan"), "--classifier", str(trained),
                 "--dataset", str(toy_data), "--num_images", "100"]) == 0
    assert "LeNet-FID floor" in capsys.readouterr().out
    final = json.loads((trained / "metrics.json").read_text())["final"]
    results = evaluate_gan_mnist(tmp_path / "gan", trained, num_images=100, dataset=str(toy_data))
    for key in ("lenet_fid_floor", "real_inception_score", "real_confident_share"):
        assert results[key] == pytest.approx(final[key], rel=1e-4, abs=1e-6), key


def test_the_gan_recipe_scores_with_the_run_folder(trained, toy_data):
    from classicnets.training.recipes.gan_mnist import GANMNISTArguments, GANMNISTRecipe

    options = GANMNISTArguments(preset="tiny", dataset_name=str(toy_data), classifier=str(trained))
    recipe = GANMNISTRecipe(options)
    recipe.build(None)
    assert recipe.classifier is not None and recipe.reference is not None and not recipe.notes


@pytest.mark.slow
def plain_lenet_loop(images, labels, config, epochs, batch_size, learning_rate, weight_decay, seed):
    """The loop that trained the classifier behind the GAN cards' LeNet-FIDs (the former
    `evaluation/mnist_classifier.train_lenet`): what the engine must reproduce step for step."""
    import math

    from classicnets import LeNetForImageClassification

    torch.manual_seed(seed)
    model = LeNetForImageClassification(config).to(memory_format=torch.channels_last).train()
    steps_per_epoch = math.ceil(len(labels) / batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate,
                                                    total_steps=epochs * steps_per_epoch, pct_start=0.15)
    order_rng = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=order_rng)
        for i in range(steps_per_epoch):
            idx = order[i * batch_size : (i + 1) * batch_size]
            x = (images[idx].float() / 255).contiguous(memory_format=torch.channels_last)
            loss = model(pixel_values=x, labels=labels[idx]).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
    return model.state_dict()


def test_the_engine_trains_lenet_exactly_as_the_plain_loop(toy_data, tmp_path):
    """Defaults (one-cycle, decay on every parameter, last partial batch kept, randperm order, dropout drawing
    from the global RNG), 2 epochs of 5 batches (the last one 16 images): the same weights, bit for bit, as the
    plain loop on the same images."""
    from datasets import load_dataset

    from classicnets import LeNetConfig
    from classicnets.data.images import decode_images, decode_labels

    out = tmp_path / "run"
    run_train(["lenet-mnist", "--preset", "tiny", "--dropout", "0.25", "--dataset_name", str(toy_data),
               "--output_dir", str(out), "--per_device_train_batch_size", "20", "--seed", "5", "--disable_tqdm",
               "--reference_metrics", "false"])  # dropout: the global RNG stream must be the loop's too
    assert json.loads((out / "metrics.json").read_text())["global_step"] == 10  # 2 x ceil(96 / 20)
    train = load_dataset("parquet", data_files=str(toy_data / "train-*.parquet"), split="train")
    images, labels = decode_images(train, "image", "toy"), decode_labels(train, "label", "toy", 10)
    expected = plain_lenet_loop(images, labels, LeNetConfig.from_pretrained(out), epochs=2, batch_size=20,
                                learning_rate=3e-3, weight_decay=1e-4, seed=5)
    trained = load_file(str(out / "model.safetensors"))
    assert trained.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(trained[key], value), key


def test_killed_and_resumed_run_matches_uninterrupted_run(trained, toy_data, tmp_path):
    """6 steps in one go == checkpoint at 3, SIGKILL after 5, resume from 3: the same weights and losses."""
    resumed = tmp_path / "resumed"
    killed = run_train(_cli_args(toy_data, resumed), launcher=killed_at(5), check=False)
    assert killed.returncode == -signal.SIGKILL
    assert not (resumed / "model.safetensors").exists()
    run_train(_cli_args(toy_data, resumed, resume_from_checkpoint="latest"))
    a, b = load_file(str(trained / "model.safetensors")), load_file(str(resumed / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=0)
    first = [json.loads(x) for x in (trained / "metrics.jsonl").read_text().splitlines()]
    second = [json.loads(x) for x in (resumed / "metrics.jsonl").read_text().splitlines()]
    losses = {r["step"]: r["loss"] for r in first if r["kind"] == "train"}
    assert [r["step"] for r in second if r["kind"] == "train"] == [1, 2, 3, 4, 5, 6]  # 4 and 5 redone
    for r in second:
        if r["kind"] == "train":
            assert r["loss"] == pytest.approx(losses[r["step"]], abs=1e-6)
    assert (resumed / "README.md").is_file()


def _recipe(data, **options) -> LeNetMNISTRecipe:
    return LeNetMNISTRecipe(LeNetMNISTArguments(**{"preset": "tiny", "dataset_name": str(data), **options}))


def test_data_problems_are_named_before_training(toy_data, tmp_path):
    with pytest.raises(DataError, match=r"column 'label' holds int64 values of shape \(\) .*, not images"):
        _recipe(toy_data, image_column="label").build(None)
    with pytest.raises(DataError, match=r"no 'validation' \(--eval_split\)"):
        _recipe(toy_data, eval_split="validation").build(None)
    small = write_image_dataset(tmp_path / "small", n_train=12, n_test=12, size=8)
    with pytest.raises(DataError, match="8x8 images do not fit the 'tiny' LeNet"):
        _recipe(small).build(None)


def test_size_and_channels_come_from_the_training_images(tmp_path):
    rgb = write_image_dataset(tmp_path / "rgb", n_train=20, n_test=10, size=32, mode="RGB")
    recipe = _recipe(rgb, max_train_samples=16, max_eval_samples=5)
    recipe.build(None)
    assert (recipe.config.image_size, recipe.config.num_channels) == (32, 3)
    assert len(recipe.train_dataset) == 16 and recipe.eval_images.shape == (5, 3, 32, 32)
    batch = recipe.collate_fn(recipe.train_dataset.__getitems__([0, 3]))
    assert batch["pixel_values"].is_contiguous(memory_format=torch.channels_last)
    assert recipe.model(**batch).loss.item() > 0


def test_options_are_checked():
    with pytest.raises(ValueError, match="--preset must be one of"):
        LeNetMNISTArguments(preset="huge")
    with pytest.raises(ValueError, match="--conv_channels"):
        LeNetMNISTArguments(conv_channels=[])


@pytest.mark.data
def test_real_mnist_by_default(shared_data, tmp_path):
    """The default dataset, `ylecun/mnist`, from the local mirror: a tiny LeNet on 2,048 images, 64 steps."""
    out = tmp_path / "run"
    run_train(["lenet-mnist", "--preset", "tiny", "--max_train_samples", "2048", "--max_eval_samples", "500",
               "--max_steps", "64", "--per_device_train_batch_size", "32", "--learning_rate", "1e-2",
               "--warmup_steps", "0", "--output_dir", str(out), "--disable_tqdm"],
              env={"CLASSICNETS_DATA_MIRROR": str(shared_data)})
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["test_accuracy"] > 0.5  # 64 steps of a tiny net: far above chance (0.1)
    config = json.loads((out / "config.json").read_text())
    assert config["image_size"] == 28 and config["id2label"]["7"] == "7"
