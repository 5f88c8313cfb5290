"""Model cards: valid YAML metadata the Hub understands, and a body from the template a recipe declares."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from huggingface_hub import ModelCard
from safetensors.numpy import save_file

import classicnets.training.recipes
from classicnets.hub import CardSpec, count_parameters, render_model_card
from classicnets.training.recipes import get_recipe_class

CONFIGS = {
    "char-lstm": {"model_type": "char_lstm", "vocab_size": 65, "embedding_size": 16, "hidden_size": 32,
                  "num_layers": 2, "dropout": 0.0, "auto_map": {"AutoModelForCausalLM": "modeling_char_lstm.X"}},
    "transformer-sst2": {"model_type": "classic_transformer", "vocab_size": 8000, "d_model": 64, "num_heads": 4,
                         "encoder_layers": 2, "ffn_dim": 128, "id2label": {"0": "negative", "1": "positive"}},
    "transformer-mlm": {"model_type": "classic_transformer", "vocab_size": 8000, "d_model": 64, "num_heads": 4,
                        "encoder_layers": 2, "ffn_dim": 128, "tie_word_embeddings": True},
    "transformer-seq2seq": {"model_type": "classic_transformer_seq2seq", "vocab_size": 68, "d_model": 64,
                            "num_heads": 4, "encoder_layers": 2, "decoder_layers": 2, "ffn_dim": 128,
                            "tie_word_embeddings": True},
    "gan-mnist": {"model_type": "classic_gan", "architecture": "dcgan", "latent_dim": 100, "image_size": 28,
                  "num_channels": 1, "generator_hidden_sizes": [64, 32], "num_classes": None},
    "lenet-mnist": {"model_type": "classic_lenet", "image_size": 28, "num_channels": 1,
                    "conv_channels": [32, 64], "feature_size": 256, "id2label": {str(i): str(i) for i in range(10)}},
}
METRICS = {
    "char-lstm": {"perplexity": 4.31, "loss": 1.4609},
    "transformer-sst2": {"accuracy": 0.8211, "loss": 0.41},
    "transformer-mlm": {"accuracy": 0.211, "perplexity": 252.3},
    "transformer-seq2seq": {"chrf": 85.2, "exact_match": 0.31},
    "gan-mnist": {"lenet_fid": {"value": 31.7, "type": "fid"},
                  "inception_score": {"value": 8.9, "name": "Inception Score (MNIST classifier)"}},
    "lenet-mnist": {"accuracy": 0.9934, "loss": 0.0213},
}


def make_checkpoint(folder: Path, family: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(CONFIGS[family]))
    save_file({"a.weight": np.zeros((3, 4), np.float32), "b.bias": np.zeros(5, np.float32)},
              str(folder / "model.safetensors"))
    return folder


def render(family, folder, **overrides):
    kwargs = dict(repo_id=f"my-org/{family}", training_command=f"classicnets train {family} --max_steps 10",
                  hyperparameters={"learning_rate": 3e-4, "batch_size": 32, "warmup_steps": 100})
    kwargs.update(overrides)
    return render_model_card(card_spec(family), folder, METRICS[family], **kwargs)


def card_spec(family: str) -> CardSpec:
    return get_recipe_class(family).card


@pytest.mark.parametrize("family", sorted(CONFIGS))
def test_card_metadata_and_body(tmp_path, family):
    folder = make_checkpoint(tmp_path / "ckpt", family)
    (folder / "samples.png").write_bytes(b"\x89PNG fake")
    card = render(family, folder, sample_text="some sample", sample_image="samples.png",
                  extra_sections={"Ethics": "Be kind."})
    card.save(tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text()
    # Front matter is valid YAML, and ModelCard parses it back into the same fields.
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["library_name"] == "transformers" and front["license"] == "apache-2.0"
    # Remote code declared as the Hub expects: the `custom_code` tag exactly when config.json has an auto_map.
    assert ("custom_code" in front["tags"]) == ("auto_map" in CONFIGS[family])
    widget = {"char-lstm": [{"text": "ROMEO:"}], "transformer-sst2": [{"text": "A gripping, beautifully acted film."},
                                                                     {"text": "A dull, lifeless script."}],
              "transformer-mlm": [{"text": "a [MASK] , beautifully acted film ."}],
              "transformer-seq2seq": [{"text": "to be or not to be that is the question"}]}
    assert front.get("widget") == widget.get(family)
    loaded = ModelCard.load(tmp_path / "README.md")
    spec = card_spec(family)
    assert loaded.data.pipeline_tag == spec.pipeline_tag
    assert loaded.data.datasets == [spec.dataset_id]
    assert "classicnets" in loaded.data.tags and set(spec.tags) <= set(loaded.data.tags)
    results = {r.metric_type: r for r in loaded.data.eval_results}
    for key, value in METRICS[family].items():
        expected = value["value"] if isinstance(value, dict) else value
        assert results[key].metric_value == expected
        assert results[key].task_type == spec.pipeline_tag and results[key].dataset_type == spec.dataset_id
    assert loaded.data.model_name == family
    # Body: architecture, command, hyperparameters, results, samples, usage, limitations.
    body = loaded.text
    for needle in (f"classicnets train {family} --max_steps 10", "`batch_size` | 32", "## Results",
                   "## Usage", "## Limitations", "## Ethics", "Be kind.", f'"my-org/{family}"', "![",
                   "samples.png", "| parameters"):
        assert needle in body, f"{needle!r} missing from the {family} card"
    assert "{{" not in body and "{%" not in body
    if family == "char-lstm":
        assert "trust_remote_code=True" in body and "some sample" in body
        assert "| Perplexity | 4.31 |" in body
    if family in ("char-lstm", "transformer-sst2", "gan-mnist"):  # the families with a web demo say how to start it
        assert f"classicnets demo my-org/{family}" in body
    # The GAN's optimisers take --d_lr/--g_lr: the engine's learning_rate did nothing, so the card leaves it out.
    assert ("`learning_rate` | 0.0003" in body) == (family != "gan-mnist")
    if family == "gan-mnist":
        assert "Inception Score (MNIST classifier)" in body and "DCGAN" in body
        lenet = results["lenet_fid"]  # never type "fid": that is the Inception-v3 FID, another number
        assert lenet.metric_name == "LeNet-FID" and "| LeNet-FID | 31.7 |" in body


@pytest.mark.parametrize("family", sorted(CONFIGS))
def test_card_names_the_data_the_model_read(tmp_path, family):
    folder = make_checkpoint(tmp_path / "ckpt", family)
    spec = card_spec(family)
    other = render(family, folder, dataset="my-org/my-corpus")  # another Hub dataset: linked, and in the metadata
    assert "my-corpus ([`my-org/my-corpus`](https://huggingface.co/datasets/my-org/my-corpus))" in other.content
    assert other.data.datasets == ["my-org/my-corpus"] and spec.dataset_id not in other.content
    assert all(r.dataset_type == "my-org/my-corpus" for r in other.data.eval_results)
    local = render(family, folder, local_data="`reviews.csv`")  # local files: named, but no Hub dataset claimed
    assert "`reviews.csv` (local data)" in local.content and "huggingface.co/datasets" not in local.content
    assert local.data.datasets is None and local.data.eval_results is None
    assert "| `reviews.csv` |" in local.content  # the results table still reports on it
    default = render(family, folder, dataset=spec.dataset_id)  # the family's own dataset keeps its display name
    assert f"{spec.dataset_name} ([`{spec.dataset_id}`]" in default.content


def test_parameter_count_matches_the_model(tmp_path):
    from classicnets import CharLSTMConfig, CharLSTMForCausalLM

    model = CharLSTMForCausalLM(CharLSTMConfig.from_preset("tiny", vocab_size=40))
    model.save_pretrained(tmp_path)
    assert count_parameters(tmp_path) == model.num_parameters()
    rendered = render_model_card(card_spec("char-lstm"), tmp_path, {}, repo_id="o/m", training_command="x",
                                 hyperparameters={})
    assert f"{model.num_parameters():,}" in rendered.text
    assert "No evaluation results" in rendered.text and rendered.data.eval_results is None


def test_card_never_shows_secrets(tmp_path):
    folder = make_checkpoint(tmp_path / "ckpt", "char-lstm")
    token = "hf_AbCdEfGhIjKlMnOpQrStUv123456"
    card = render("char-lstm", folder, hyperparameters={"hub_token": token, "push_to_hub_token": "x",
                                                        "api_key": "k", "learning_rate": 0.1, "note": token},
                  training_command=f"classicnets train char-lstm --hub_token {token}", sample_text=f"text {token}")
    assert token not in str(card) and "api_key" not in str(card) and "`learning_rate` | 0.1" in str(card)


def test_bad_arguments_are_clear(tmp_path):
    folder = make_checkpoint(tmp_path / "ckpt", "gan-mnist")
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"x")
    with pytest.raises(ValueError, match="not inside the checkpoint folder"):
        render("gan-mnist", folder, sample_image=outside)
    with pytest.raises(TypeError, match="takes a CardSpec"):  # a name: hub knows no family, the recipe does
        render_model_card("gan-mnist", folder, {}, repo_id="o/m", training_command="x", hyperparameters={})
    with pytest.raises(ValueError, match="must be a number"):
        render_model_card(card_spec("gan-mnist"), folder, {"fid": "good"}, repo_id="o/m",
                          training_command="x", hyperparameters={})
    with pytest.raises(ValueError, match="does not exist"):
        render("gan-mnist", tmp_path / "missing")


def test_every_recipe_card_template_ships_with_the_package():
    cards_dir = Path(classicnets.training.recipes.__file__).resolve().parent / "cards"
    for family in CONFIGS:
        template = card_spec(family).template
        assert template.is_absolute() and template.parent == cards_dir and template.name == f"{family}.md"
        assert template.is_file(), f"{template} missing: package data not installed?"


def test_any_card_spec_renders(tmp_path):
    """The hub renders whatever spec it is handed: its template, architecture keys, unused options."""
    folder = make_checkpoint(tmp_path / "ckpt", "char-lstm")  # config: vocab_size, hidden_size, dropout, ...
    template = tmp_path / "cards" / "my-model.md"
    template.parent.mkdir()
    template.write_text("---\n{{ card_data }}\n---\n"
                        "architecture: {% for k, v in architecture %}{{ k }}={{ v }};{% endfor %}\n\n"
                        "hyperparameters: {% for k, v in hyperparameters %}{{ k }}={{ v }};{% endfor %}\n")
    spec = CardSpec(template=template, pipeline_tag="text-generation", task_name="Text Generation",
                    dataset_id="my-org/my-corpus", dataset_name="My corpus", dataset_split="test",
                    auto_class="AutoModelForCausalLM", tags=("my-model",),
                    architecture_keys=("hidden_size", "missing", "vocab_size"),
                    unused_hyperparameters=("weight_decay",))
    rendered = render_model_card(spec, folder, {"loss": 1.5}, repo_id="my-org/my-model", training_command="x",
                                 hyperparameters={"learning_rate": 0.1, "weight_decay": 0.01})
    assert "architecture: hidden_size=32;vocab_size=65;" in rendered.content
    assert "hyperparameters: learning_rate=0.1;" in rendered.content
    assert "weight_decay" not in rendered.content
    assert rendered.data.tags == ["classicnets", "my-model", "custom_code"]
    assert rendered.data.eval_results[0].dataset_split == "test"
    other = tmp_path / "other.md"
    other.write_text("---\n{{ card_data }}\n---\nanother template\n")
    swapped = render_model_card(dataclasses.replace(spec, template=other), folder, {}, repo_id="o/m",
                                training_command="x", hyperparameters={})
    assert "another template" in swapped.content
