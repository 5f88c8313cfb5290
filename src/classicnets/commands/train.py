"""`classicnets train RECIPE [OPTIONS.yaml] [--option value ...]`: train a recipe with the engine (Accelerate).

Every option is checked before anything starts: argparse's own errors, the options file's names and value types
(against the dataclass fields, naming the file and key) and each dataclass's `__post_init__` ranges all raise
`OptionError`, which `classicnets` prints as one line (exit code 2).
"""

import sys
from pathlib import Path

from ..errors import OptionError
from . import did_you_mean, refuse_option


def main(argv: list[str]) -> int:
    from ..training.recipes import get_recipe_class, recipe_names

    if not argv or argv[0] in ("-h", "--help"):
        print("usage: classicnets train RECIPE [CONFIG.yaml|CONFIG.json] [--option value ...]\n\n"
              f"Recipes: {', '.join(recipe_names())}.\n"
              "Run `classicnets train RECIPE --help` for every option.\n"
              "Under several processes: accelerate launch [--num_processes N] -m classicnets train RECIPE ...")
        return 0 if argv else 2
    recipe, recipe_cls = argv[0], get_recipe_class(argv[0])  # an unknown name is refused before any import
    from transformers import HfArgumentParser

    from ..models.registry import register_all
    from ..training import Engine, TrainingArguments

    register_all()  # the saved model gets its auto_map and modelling code

    class ArgumentParser(HfArgumentParser):
        def add_argument(self, *names, **kwargs):
            # Without the dashed twin HfArgumentParser gives each option (--output-dir beside --output_dir): every
            # classicnets command spells its options one way, with underscores.
            return super().add_argument(*[name for name in names if "-" not in name.lstrip("-")], **kwargs)

    dataclass_types = (recipe_cls.arguments_class, TrainingArguments)
    parser = ArgumentParser(dataclass_types, allow_abbrev=False, prog=f"classicnets train {recipe}",
                            description=(recipe_cls.__module__ and sys.modules[recipe_cls.__module__].__doc__))
    prog = f"classicnets train {recipe}"
    parser.error = lambda message: refuse_option(message, prog)  # one line, not argparse's usage block
    parser.set_defaults(**recipe_cls.training_defaults)
    rest, options, source = argv[1:], {}, None
    if rest and rest[0].endswith((".yaml", ".yml", ".json")):
        source, rest = rest[0], rest[1:]
        options = _checked_options(_read_options_file(Path(source)), dataclass_types, source, recipe)
        parser.set_defaults(**options)
    try:
        recipe_args, training_args, unknown = parser.parse_args_into_dataclasses(
            args=rest, return_remaining_strings=True, look_for_args_file=False)
    except OptionError as err:
        # A value from the options file (not overridden by a flag) is named as the file's.
        if err.option in options and f"--{err.option}" not in rest:
            raise OptionError(err.option, str(err).removeprefix(f"--{err.option} "), source=source) from None
        raise
    if unknown:
        import dataclasses

        known = [f"--{f.name}" for dc in dataclass_types for f in dataclasses.fields(dc)]
        refuse_option(f"unrecognized arguments: {' '.join(unknown)}{did_you_mean(unknown, known)}", prog)

    engine = Engine(recipe_cls(recipe_args), training_args)
    try:
        engine.train()
    except (OSError, RuntimeError) as err:  # a full disk outside the engine's own saves (which translate theirs)
        from ..training.engine import checkpoint_bytes, full_disk_error

        full = full_disk_error(err, training_args.output_dir, checkpoint_bytes(getattr(engine, "models", None)))
        if full is None or full is err:
            raise
        raise full from err
    return 0


def _checked_options(options: dict, dataclass_types, path: str, recipe: str) -> dict:
    """The options file's values, each checked against its dataclass field: an unknown name is a typo to point
    at, a value of the wrong type (a list for a number, 2.5 for a batch size) is named with its file and key.
    Numbers that YAML reads as strings (`1e-3`: YAML 1.1 wants `1.0e-3`) are converted."""
    import dataclasses
    import difflib
    import typing

    from ..training.arguments import type_problem

    hints = {}
    for dc in dataclass_types:
        hints.update({f.name: typing.get_type_hints(dc)[f.name] for f in dataclasses.fields(dc)})
    unknown = [name for name in options if name not in hints]
    if unknown:
        names = [f"{name!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(name, hints, 1))
                                else "") for name in unknown]
        raise OptionError(None, f"unknown option(s) {', '.join(names)}", source=path,
                          hint=f"`classicnets train {recipe} --help` lists every option")
    checked = {}
    for name, value in options.items():
        value = _number_from_string(value, hints[name])
        problem = type_problem(value, hints[name])
        if problem:
            raise OptionError(name, f"must be {problem}", value, source=path)
        checked[name] = value
    return checked


def _number_from_string(value, annotation):
    """'1e-3' -> 0.001 for a float field (and '8' -> 8 for an int one); anything else unchanged."""
    import typing

    if not isinstance(value, str):
        return value
    wanted = set(typing.get_args(annotation)) or {annotation}
    for kind in (int, float):
        if kind in wanted:
            try:
                return kind(value)
            except ValueError:
                pass
    return value


def _read_options_file(path: Path) -> dict:
    import json

    import yaml

    if not path.is_file():
        raise OptionError(None, f"options file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        options = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (yaml.YAMLError, ValueError) as err:
        mark = getattr(err, "problem_mark", None)  # YAML's (0-based line); JSON's error has `lineno`
        line = mark.line + 1 if mark is not None else getattr(err, "lineno", None)
        at = f" at line {line}" if line is not None else ""
        problem = getattr(err, "problem", None) or getattr(err, "msg", None) or str(err)
        raise OptionError(None, f"{path} is not valid {'YAML' if path.suffix != '.json' else 'JSON'}{at}: "
                                f"{problem}") from err
    if not isinstance(options, dict):
        raise OptionError(None, f"{path} must hold a mapping of option names to values, not a "
                                f"{type(options).__name__}")
    return options
