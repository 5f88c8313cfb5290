"""The gan-mnist recipe on a tiny synthetic image dataset (Hub-layout parquet files written in tmp_path)."""

import json
import signal
import sys
import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from classicnets.cli import main
from classicnets.models.gan import GANModel
from classicnets.training import Engine, TrainingArguments, TrainingDivergedError
from classicnets.training.recipes.gan_mnist import IGNORED_TRAINING_OPTIONS, GANMNISTArguments, GANMNISTRecipe

from ..conftest import reset_accelerate_state
from .helpers import killed_at, run_train

PNG = b"\x89PNG\r\n\x1a\n"


def write_image_dataset(folder, n_train=96, n_test=64, size=28, mode="L", seed=0):
    """Digit-like toy images (class k: a bright bar at a class-dependent place) in Hub layout: train/test parquet."""
    from datasets import ClassLabel, Dataset, Features, Image
    from PIL import Image as PILImage

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = [], []
        for i in range(n):
            k = i % 10
            a = rng.integers(0, 40, (size, size)).astype(np.uint8)
            top = 2 + 2 * k
            a[top : top + 3, 4 : size - 4] = 255
            img = PILImage.fromarray(a, mode="L")
            images.append(img.convert(mode) if mode != "L" else img)
            labels.append(k)
        features = Features({"image": Image(), "label": ClassLabel(num_classes=10)})
        Dataset.from_dict({"image": images, "label": labels}, features=features).to_parquet(
            str(folder / f"{split}-00000-of-00001.parquet"))
    return folder


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_image_dataset(tmp_path_factory.mktemp("toy_mnist"))


@pytest.fixture(scope="module")
def toy_classifier(tmp_path_factory):
    from classicnets import LeNetConfig, LeNetForImageClassification

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("lenet")
    LeNetForImageClassification(LeNetConfig.from_preset("tiny")).save_pretrained(path)
    return path


@pytest.fixture(autouse=True)
def _every_test_starts_with_fresh_accelerate_state(fresh_accelerate_state):
    yield


def recipe_args(data, **kw):
    base = dict(preset="tiny", dataset_name=str(data), classifier="none", sample_every=0, eval_num_images=40,
                final_eval_num_images=60)
    base.update(kw)
    return GANMNISTArguments(**base)


def training_args(out, **kw):
    base = dict(output_dir=str(out), max_steps=4, per_device_train_batch_size=16, eval_steps=2, save_steps=0,
                logging_steps=2, disable_tqdm=True, lr_scheduler_type="constant", max_grad_norm=0.0, seed=1)
    base.update(kw)
    return TrainingArguments(**base)


def test_help_says_which_engine_flags_apply(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "gan-mnist", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--d_lr", "--g_lr", "--beta1", "--label_smoothing", "--sample_every", "--classifier",
                   "--eval_num_images", "--max_time", "--resume_from_checkpoint"):
        assert option in text
    assert "do NOT apply here: --learning_rate, --weight_decay, --adam_beta1, --adam_beta2" in text


def test_setting_an_engine_option_the_optimisers_ignore_warns(toy_data):
    """The recipe declares the engine options its Adams ignore with their unset values (the engine's defaults):
    a run that leaves them alone is not warned, one that sets them is told which flags to use instead."""
    defaults = TrainingArguments()
    assert {name: getattr(defaults, name) for name in IGNORED_TRAINING_OPTIONS} == IGNORED_TRAINING_OPTIONS
    recipe = GANMNISTRecipe(recipe_args(toy_data))
    recipe.build(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recipe.create_optimizers(defaults)
    with pytest.warns(UserWarning, match=r"ignores --learning_rate, --adam_beta2: .* use --d_lr, --g_lr"):
        recipe.create_optimizers(TrainingArguments(learning_rate=0.1, adam_beta2=0.9))


def test_tiny_run_saves_model_samples_plots_and_metrics(toy_data, toy_classifier, tmp_path):
    out = tmp_path / "run"
    recipe = GANMNISTRecipe(recipe_args(toy_data, classifier=str(toy_classifier), sample_every=2))
    final = Engine(recipe, training_args(out)).train()

    for key in ("lenet_fid", "inception_score", "confident_share", "lenet_fid_floor", "d_loss", "g_loss"):
        assert np.isfinite(final[key]), key
    assert final["num_images"] == 60
    assert sum(final[f"digit_{k}"] for k in range(10)) == pytest.approx(1.0)
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["step-00002.png", "step-00004.png"]
    for name in ("samples.png", "loss_curve.png", "discriminator_outputs.png", "lenet_fid.png"):
        assert (out / name).read_bytes()[:8] == PNG, name
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train] == [2, 4]
    assert {"d_loss", "g_loss", "d_real", "d_fake", "lr_generator", "lr_discriminator"} <= train[0].keys()
    assert [r["num_images"] for r in records if r["kind"] == "eval"] == [40, 60]  # intermediate, final

    model = GANModel.from_pretrained(out)
    torch.testing.assert_close(model.generator.state_dict()["net.1.running_mean"],
                               recipe.gan.generator.state_dict()["net.1.running_mean"])
    assert model.generate(num_images=3, seed=0).shape == (3, 1, 28, 28)


def test_without_classifier_only_losses_and_a_note(toy_data, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no outputs/lenet-mnist here
    final = Engine(GANMNISTRecipe(recipe_args(toy_data, classifier=None)),
                   training_args(tmp_path / "run", max_steps=2)).train()
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= final.keys() and "lenet_fid" not in final
    assert "Note: no classifier at outputs/lenet-mnist" in capsys.readouterr().out


def test_missing_explicit_classifier_fails_before_training(toy_data, tmp_path):
    recipe = GANMNISTRecipe(recipe_args(toy_data, classifier=str(tmp_path / "nope")))
    with pytest.raises(FileNotFoundError, match="No classifier at"):
        recipe.build(None)


def test_conditional_batches_and_labelled_grid(toy_data, tmp_path):
    recipe = GANMNISTRecipe(recipe_args(toy_data, num_classes=10))
    Engine(recipe, training_args(tmp_path / "run", max_steps=2)).train()
    assert recipe.grid_labels.tolist()[:12] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert GANModel.from_pretrained(tmp_path / "run").config.num_classes == 10


def test_self_conditioned_run_clusters_without_labels_and_samples_like_an_unconditional_model(
        toy_data, toy_classifier, tmp_path):
    out = tmp_path / "run"
    recipe = GANMNISTRecipe(recipe_args(toy_data, self_condition_clusters=10, classifier=str(toy_classifier)))
    final = Engine(recipe, training_args(out, max_steps=2)).train()
    config = recipe.gan.config
    assert config.self_conditioned and config.num_classes == 10 and not config.takes_user_labels
    # The toy class k is a bar at rows 2k+2 .. 2k+4, so pixel k-means recovers the classes (neighbours overlap by a
    # row, so a pair may share a cluster): high purity, although the dataset's labels were never used.
    true = torch.tensor([i % 10 for i in range(96)])
    clusters = recipe.train_dataset.labels
    purity = sum(torch.bincount(true[clusters == c], minlength=10).max() for c in clusters.unique()) / len(true)
    assert purity >= 0.85
    assert f"purity against the dataset's labels {purity:.3f}" in recipe.cluster_summary  # the run reports it
    counts = torch.bincount(clusters, minlength=10).double()
    assert config.label_prior == pytest.approx((counts / counts.sum()).tolist())  # the clusters' frequencies
    assert recipe.grid_labels is None  # the grid draws clusters itself, as a user would
    assert "label_accuracy" not in final and np.isfinite(final["lenet_fid"])
    model = GANModel.from_pretrained(out)
    assert model.config.self_conditioned and model.config.label_prior == pytest.approx(config.label_prior)
    assert torch.equal(model.generate(num_images=5, seed=1), model.generate(num_images=5, seed=1))
    assert "self-conditioned" in (out / "README.md").read_text()


def test_architecture_overrides_reach_the_config(toy_data):
    recipe = GANMNISTRecipe(recipe_args(toy_data, generator_hidden_sizes=[12, 6], discriminator_batch_norm=False,
                                        discriminator_minibatch_std=True, self_condition_clusters=3))
    recipe.build(None)
    config = recipe.gan.config
    assert config.generator_hidden_sizes == [12, 6] and config.discriminator_hidden_sizes == [8, 16]  # tiny's D
    assert not config.discriminator_uses_batch_norm and config.discriminator_minibatch_std
    assert config.self_conditioned and config.num_classes == 3  # the overrides survive self-conditioning


def test_self_conditioning_options_are_checked():
    with pytest.raises(ValueError, match="unconditional preset"):
        GANMNISTArguments(preset="dcgan-conditional", self_condition_clusters=10)
    with pytest.raises(ValueError, match=">= 2"):
        GANMNISTArguments(self_condition_clusters=1)


def test_kmeans_finds_separated_groups_and_is_seeded():
    from classicnets.training.recipes.gan_mnist import kmeans, nearest_centre

    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = torch.cat([c + 0.1 * torch.randn(50, 2, generator=g) for c in centres])
    ids, found = kmeans(points, 3, seed=5)
    assert all(len(set(ids[i * 50 : (i + 1) * 50].tolist())) == 1 for i in range(3))
    assert len(set(ids.tolist())) == 3
    assert torch.equal(ids, kmeans(points, 3, seed=5)[0])
    assert torch.equal(nearest_centre(centres, found), ids[::50])
    with pytest.raises(ValueError, match="2 <= k"):
        kmeans(points, 1)


@pytest.mark.parametrize("size, mode, expected", [(32, "L", r"1-channel 28x28 .*\(1, 32, 32\)"),
                                                  (28, "RGB", r"1-channel 28x28 .*\(3, 28, 28\).*convert")])
def test_wrong_image_size_or_channels_is_a_clear_error(tmp_path, size, mode, expected):
    data = write_image_dataset(tmp_path / "data", n_train=12, n_test=12, size=size, mode=mode)
    with pytest.raises(ValueError, match=expected):
        GANMNISTRecipe(recipe_args(data)).build(None)


def test_generator_step_leaves_the_discriminator_alone(toy_data, tmp_path):
    """The D step changes D; the G step changes G only, with no D gradients left behind (even when accumulating)."""
    recipe = GANMNISTRecipe(recipe_args(toy_data))
    engine = Engine(recipe, training_args(tmp_path / "run", gradient_accumulation_steps=2))
    engine.setup()
    d, g = recipe.gan.discriminator, recipe.gan.generator
    seen = []
    original = engine.run.optimize

    def optimize(loss, name):
        before = {k: v.clone() for k, v in d.state_dict().items()}, {k: v.clone() for k, v in g.state_dict().items()}
        original(loss, name)
        d_grads = [p.grad.clone() for p in d.parameters() if p.grad is not None]
        seen.append((name, before, d_grads))

    engine.run.optimize = optimize
    batch = next(iter(engine.train_dataloader))
    with engine.accelerator.accumulate(*engine.models.values()):  # a non-final micro-batch: no optimizer step
        recipe.training_step(engine.run, batch)
    (_, _, d_grads_after_d), (name, (d_before, _), d_grads_after_g) = seen
    assert name == "generator"
    assert len(d_grads_after_d) == len(list(d.parameters()))  # accumulated D gradients...
    for a, b in zip(d_grads_after_d, d_grads_after_g):  # ...not touched by the G step
        assert torch.equal(a, b)
    assert all(p.requires_grad for p in d.parameters())
    assert all(p.grad is not None for p in g.parameters())


def test_nan_loss_stops_with_the_engine_error(toy_data, tmp_path, monkeypatch):
    import classicnets.training.recipes.gan_mnist as module

    monkeypatch.setattr(module, "generator_loss", lambda logits: logits.float().mean() * float("nan"))
    with pytest.raises(TrainingDivergedError, match="generator loss became nan at step 1"):
        Engine(GANMNISTRecipe(recipe_args(toy_data)), training_args(tmp_path / "run")).train()


def test_bf16_mixed_precision_runs(toy_data, tmp_path):
    final = Engine(GANMNISTRecipe(recipe_args(toy_data)),
                   training_args(tmp_path / "run", max_steps=2, mixed_precision="bf16")).train()
    assert np.isfinite(final["d_loss"]) and (tmp_path / "run" / "model.safetensors").is_file()


RUN = {"preset": "tiny", "classifier": "none", "max_steps": 6, "save_steps": 3, "per_device_train_batch_size": 16,
       "eval_steps": 100, "logging_steps": 1, "lr_scheduler_type": "constant", "disable_tqdm": True, "seed": 5,
       "final_eval_num_images": 20}


def _cli_args(data, out, **options):
    base = {**RUN, "dataset_name": data, "output_dir": out, **options}
    args = ["gan-mnist"]
    for key, value in base.items():
        args += [f"--{key}"] if value is True else [f"--{key}", str(value)]
    return args


def _train_in_process(data, out, **options):
    from transformers import HfArgumentParser

    parser = HfArgumentParser((GANMNISTArguments, TrainingArguments))
    recipe_options, engine_options = parser.parse_args_into_dataclasses(args=_cli_args(data, out, **options)[1:])
    reset_accelerate_state()
    Engine(GANMNISTRecipe(recipe_options), engine_options).train()


@pytest.mark.slow
def test_killed_and_resumed_run_matches_uninterrupted_run(toy_data, tmp_path):
    """6 steps in one go == 3 steps, SIGKILL at 5, resume from 3: same G and D (BatchNorm stats included)."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    _train_in_process(toy_data, straight)
    killed = run_train(_cli_args(toy_data, resumed), launcher=killed_at(5), check=False)
    assert killed.returncode == -signal.SIGKILL
    _train_in_process(toy_data, resumed, resume_from_checkpoint="latest")
    a, b = load_file(str(straight / "model.safetensors")), load_file(str(resumed / "model.safetensors"))
    assert a.keys() == b.keys() and any("running_var" in k for k in a)
    for key in a:
        torch.testing.assert_close(a[key].float(), b[key].float(), atol=1e-6, rtol=0)
    first = [json.loads(x) for x in (straight / "metrics.jsonl").read_text().splitlines()]
    second = [json.loads(x) for x in (resumed / "metrics.jsonl").read_text().splitlines()]
    losses = {r["step"]: r["g_loss"] for r in first if r["kind"] == "train"}
    resumed_steps = [r["step"] for r in second if r["kind"] == "train" and r["step"] > 5]
    assert resumed_steps == [6]  # steps 4 and 5 of the killed run were logged before the kill, then redone
    for r in second:
        if r["kind"] == "train" and r["step"] > 3:
            assert r["g_loss"] == pytest.approx(losses[r["step"]], abs=1e-6)


@pytest.mark.slow
def test_two_processes_train_both_networks(toy_data, tmp_path):
    """Under DDP (2 CPU processes, gloo) both networks are wrapped; the G step's backward through D must work."""
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
                "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "classicnets"]
    out = tmp_path / "ddp"
    run_train(_cli_args(toy_data, out, max_steps=3, save_steps=0, per_device_train_batch_size=8), launcher=launcher,
              env={"ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"})
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["num_processes"] == 2 and summary["global_step"] == 3
    assert GANModel.from_pretrained(out).config.architecture == "dcgan"


@pytest.mark.data
def test_real_mnist_decodes_into_a_uint8_tensor(shared_data):
    recipe = GANMNISTRecipe(GANMNISTArguments(preset="tiny", num_classes=10, dataset_name=str(shared_data / "mnist"),
                                              max_train_samples=512, classifier="none"))
    recipe.build(None)
    assert recipe.train_images.shape == (512, 1, 28, 28) and recipe.train_images.dtype == torch.uint8
    assert recipe.eval_images.shape == (10000, 1, 28, 28)
    assert set(recipe.train_dataset.labels.tolist()) == set(range(10))
    batch = recipe.collate_fn(recipe.train_dataset.__getitems__([0, 5, 7]))
    assert batch["pixel_values"].dtype == torch.float32 and float(batch["pixel_values"].max()) <= 1.0
