"""transformer-mlm on the tiny inline sentiment dataset, then transformer-sst2 --init_from its output."""

import json

import pytest
import torch
from safetensors.torch import load_file

import classicnets  # noqa: F401  (registers the Auto classes for the pipeline)

from .helpers import card_reports, run_train
from .test_transformer_sst2 import sst2_args, write_sentiment_dataset

ARCHITECTURE = {"d_model": 32, "num_heads": 2, "encoder_layers": 1, "ffn_dim": 64}


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_sentiment_dataset(tmp_path_factory.mktemp("toy_mlm"))


def mlm_args(data, output_dir, **options) -> list[str]:
    base = {"preset": "sst2", "dataset_name": data, "output_dir": output_dir, **ARCHITECTURE, "vocab_size": 120,
            "min_frequency": 1, "max_length": 32, "dropout": 0.0, "attention_dropout": 0.0,
            "per_device_train_batch_size": 8, "per_device_eval_batch_size": 4, "learning_rate": 3e-3,
            "max_steps": 150, "eval_steps": 50, "logging_steps": 10, "save_steps": 0, "disable_tqdm": True,
            "seed": 0, "mlm_probability": 0.3}
    base.update(options)
    args = ["transformer-mlm"]
    for key, value in base.items():
        args += [f"--{key}", str(value)]
    return args


@pytest.fixture(scope="module")
def pretrained(toy_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("mlm") / "run"
    run_train(mlm_args(toy_data, out))
    return out


@pytest.mark.slow
def test_mlm_run_learns_and_saves_a_fill_mask_checkpoint(pretrained):
    summary = json.loads((pretrained / "metrics.json").read_text())
    history = summary["history"]
    assert [r["step"] for r in history] == [50, 100, 150] and summary["global_step"] == 150
    # 48 short sentences over 12 distinct ones: masked words become predictable (uniform guessing: perplexity ~100)
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    # (accuracy over ~16 masked tokens, with a tokenizer whose ties `tokenizers` breaks in hash order: chance is ~0.01)
    assert summary["final"]["val_perplexity"] < 40 and summary["final"]["val_mlm_accuracy"] > 0.1
    assert summary["final"]["val_perplexity"] == pytest.approx(torch.tensor(summary["final"]["val_loss"]).exp().item())
    from transformers import pipeline

    fill = pipeline("fill-mask", model=str(pretrained), top_k=2)
    assert len(fill("a great , [MASK] movie")) == 2
    assert "->" in (pretrained / "examples.txt").read_text()
    card = (pretrained / "README.md").read_text()  # the model card carries the measured result and the command
    assert "pipeline_tag: fill-mask" in card and "classicnets train transformer-mlm" in card
    assert card_reports(card, summary["final"]["val_perplexity"])


@pytest.mark.slow
def test_sst2_starts_from_the_pretrained_encoder(toy_data, pretrained, tmp_path):
    # max_steps 1 at a learning rate of 0: the classifier's encoder is exactly the pre-trained one
    out = tmp_path / "sst2"
    run_train(sst2_args(toy_data, out, init_from=pretrained, max_steps=1, learning_rate=0.0, d_model=None,
                        num_heads=None, encoder_layers=None, ffn_dim=None, vocab_size=None, attention_dropout=None,
                        dropout=0.3, warmup_steps=0))
    mlm, classifier = load_file(str(pretrained / "model.safetensors")), load_file(str(out / "model.safetensors"))
    encoder = {k: v for k, v in classifier.items() if k.startswith("encoder.")}
    assert encoder and all(torch.equal(v, mlm[k]) for k, v in encoder.items())
    config = json.loads((out / "config.json").read_text())
    assert config["dropout"] == 0.3 and len(config["id2label"]) == 2 and config["d_model"] == ARCHITECTURE["d_model"]
    assert json.loads((out / "tokenizer.json").read_text()) == json.loads((pretrained / "tokenizer.json").read_text())


def test_init_from_refuses_architecture_overrides(toy_data, pretrained, tmp_path):
    proc = run_train(sst2_args(toy_data, tmp_path / "sst2", init_from=pretrained, max_steps=1, d_model=64),
                     check=False)
    assert proc.returncode != 0
    assert "takes its architecture from the checkpoint: drop --d_model" in proc.stderr


def test_mlm_needs_the_text_column(toy_data, tmp_path):
    proc = run_train(mlm_args(toy_data, tmp_path / "run", text_column="review"), check=False)
    assert proc.returncode != 0 and "review" in proc.stderr and "sentence" in proc.stderr
