"""Every options file in examples/ is valid for its recipe, and a typo in one is named, not swallowed."""

from pathlib import Path

import pytest

from classicnets import cli
from classicnets.errors import OptionError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RECIPE_OF = {"char_lstm": "char-lstm", "transformer_sst2": "transformer-sst2", "gan_mnist": "gan-mnist",
             "transformer_seq2seq": "transformer-seq2seq"}


def _recipe(path: Path) -> str:
    return next(recipe for prefix, recipe in RECIPE_OF.items() if path.stem.startswith(prefix))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_example_options_file_parses_for_its_recipe(path, monkeypatch):
    import yaml

    seen = {}
    monkeypatch.setattr("classicnets.training.Engine.train", lambda self: seen.update(engine=self))
    assert cli.main(["train", _recipe(path), str(path)]) == 0
    engine = seen["engine"]
    for name, value in yaml.safe_load(path.read_text()).items():  # every value reached the run's options
        holder = engine.args if hasattr(engine.args, name) else engine.recipe.args
        assert getattr(holder, name) == value, name


def test_unknown_option_in_a_file_is_named_with_a_suggestion(tmp_path):
    options = tmp_path / "opts.yaml"
    options.write_text("learnig_rate: 0.1\nmax_steps: 3\n")
    with pytest.raises(OptionError, match="unknown option.*'learnig_rate' \\(did you mean 'learning_rate'\\?\\)"):
        cli.main(["train", "char-lstm", str(options)])
