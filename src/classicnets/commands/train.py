"""`classicnets train RECIPE [OPTIONS.yaml] [--option value ...]`: train a recipe with the engine (Accelerate)."""

import sys
from pathlib import Path



def main(argv: list[str]) -> int:
    from ..training.recipes import RECIPES

    if not argv or argv[0] in ("-h", "--help"):
        print("usage: classicnets train RECIPE [CONFIG.yaml|CONFIG.json] [--option value ...]\n\n"
              f"Recipes: {', '.join(RECIPES)}.\nRun `classicnets train RECIPE --help` for every option.\n"
              "Under several processes: accelerate launch [--num_processes N] -m classicnets train RECIPE ...")
        return 0 if argv else 2
    from transformers import HfArgumentParser

    from ..models.registry import register_all
    from ..training import Engine, TrainingArguments, get_recipe_class

    register_all()  # the saved model gets its auto_map and modelling code

    recipe_cls = get_recipe_class(argv[0])
    parser = HfArgumentParser((recipe_cls.arguments_class, TrainingArguments),
                              prog=f"classicnets train {argv[0]}",
                              description=(recipe_cls.__module__ and sys.modules[recipe_cls.__module__].__doc__))
    parser.set_defaults(**recipe_cls.training_defaults)
    rest = argv[1:]
    if rest and rest[0].endswith((".yaml", ".yml", ".json")):
        options = _read_options_file(Path(rest[0]))
        _check_option_names(options, (recipe_cls.arguments_class, TrainingArguments), rest[0], argv[0])
        parser.set_defaults(**options)
        rest = rest[1:]
    recipe_args, training_args = parser.parse_args_into_dataclasses(args=rest)
    Engine(recipe_cls(recipe_args), training_args).train()
    return 0


def _check_option_names(options: dict, dataclass_types, path: str, recipe: str) -> None:
    """An unknown name in an options file is a typo to point at, not something to ignore or crash on."""
    import dataclasses
    import difflib

    known = {f.name for dc in dataclass_types for f in dataclasses.fields(dc)}
    unknown = [name for name in options if name not in known]
    if unknown:
        hints = [f"{name!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(name, known, 1))
                                else "") for name in unknown]
        raise SystemExit(f"{path}: unknown option(s) {', '.join(hints)}. "
                         f"`classicnets train {recipe} --help` lists every option.")


def _read_options_file(path: Path) -> dict:
    import json

    import yaml

    if not path.is_file():
        raise SystemExit(f"Options file {path} does not exist.")
    text = path.read_text()
    options = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    if not isinstance(options, dict):
        raise SystemExit(f"{path} must hold a mapping of option names to values.")
    return options
