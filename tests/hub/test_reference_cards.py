"""The rendered cards of the reference runs (model_cards/hub/) follow the rules of the cards runs write today:
the Hub shows how to load them with transformers, custom code is declared, LeNet-FID is not filed as Inception FID,
and a table lists no option the recipe ignores."""

from pathlib import Path

import pytest
import yaml

from classicnets.training.recipes import get_recipe_class

CARDS = sorted((Path(__file__).resolve().parents[2] / "model_cards" / "hub").glob("*/README.md"))


def recipe_of(card: Path) -> str:
    name = card.parent.name
    return next(r for r in ("char-lstm", "transformer-sst2", "transformer-seq2seq", "gan-mnist", "lenet-mnist")
                if name.startswith(r))


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.parent.name)
def test_reference_card_follows_the_card_rules(card):
    _, front, body = card.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    spec = get_recipe_class(recipe_of(card)).card
    assert meta["library_name"] == "transformers" and meta["pipeline_tag"] == spec.pipeline_tag
    assert ("custom_code" in meta["tags"]) == ("trust_remote_code=True" in body)
    metrics = [m for result in meta["model-index"][0]["results"] for m in result["metrics"]]
    assert metrics and not [m for m in metrics if m["type"] == "fid" and "LeNet" in m["name"]]
    for option in spec.unused_hyperparameters:
        assert f"| `{option}` |" not in body, f"{card.parent.name} lists {option}, which its recipe ignores"
    for image in ("samples.png", "confusion_matrix.png"):
        if f"]({image})" in body:
            assert (card.parent / image).is_file(), f"{card.parent.name} shows {image}, which is missing"


def test_every_reference_run_has_its_card():
    assert len(CARDS) >= 10
