"""`classicnets` command line: train, generate, evaluate, ensemble, push.

    classicnets train char-lstm --max_steps 1000 --output_dir outputs/char-lstm
    accelerate launch --num_processes 2 --cpu -m classicnets train char-lstm ...
    classicnets train char-lstm configs/char_lstm.yaml --max_time 2     # options from a file, then flags
    classicnets generate outputs/char-lstm --prompt "ROMEO:" --max_new_tokens 300
    classicnets ensemble outputs/sst2-m0 outputs/sst2-m1 --output_dir outputs/sst2-ensemble
"""

import argparse
import sys
from pathlib import Path

EPILOG = "Run `classicnets <command> --help` for the options of each command."


def train_command(argv: list[str]) -> int:
    from .training import RECIPES

    if not argv or argv[0] in ("-h", "--help"):
        print("usage: classicnets train RECIPE [CONFIG.yaml|CONFIG.json] [--option value ...]\n\n"
              f"Recipes: {', '.join(RECIPES)}.\nRun `classicnets train RECIPE --help` for every option.\n"
              "Under several processes: accelerate launch [--num_processes N] -m classicnets train RECIPE ...")
        return 0 if argv else 2
    from transformers import HfArgumentParser

    from .training import Engine, TrainingArguments, get_recipe_class

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


def generate_command(args: argparse.Namespace) -> int:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import classicnets  # noqa: F401  (registers the Auto classes)

    torch.manual_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(args.checkpoint)
    model = AutoModelForCausalLM.from_pretrained(args.checkpoint).eval()
    inputs = tokenizer([args.prompt] * args.num_samples, return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=args.max_new_tokens, do_sample=not args.greedy,
                         temperature=args.temperature, top_k=args.top_k or None, top_p=args.top_p)
    for i, text in enumerate(tokenizer.batch_decode(out, skip_special_tokens=True)):
        if args.num_samples > 1:
            print(f"----- sample {i + 1} -----")
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="classicnets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("train", help="Train a recipe with Accelerate (see `classicnets train --help`).", add_help=False)

    gen = sub.add_parser("generate", help="Generate text from a char-LSTM checkpoint (folder or Hub id).")
    gen.add_argument("checkpoint", help="A folder written by save_pretrained, or a Hub id.")
    gen.add_argument("--prompt", default="ROMEO:", help="Text to continue (default: %(default)r).")
    gen.add_argument("--max_new_tokens", type=int, default=300, help="Characters to generate (default: %(default)s).")
    gen.add_argument("--temperature", type=float, default=0.8, help="Sampling temperature (default: %(default)s).")
    gen.add_argument("--top_k", type=int, default=0, help="Keep the k most likely characters (0: all).")
    gen.add_argument("--top_p", type=float, default=1.0, help="Nucleus sampling mass (default: %(default)s).")
    gen.add_argument("--greedy", action="store_true", help="Always take the most likely character.")
    gen.add_argument("--num_samples", type=int, default=1, help="Independent samples (default: %(default)s).")
    gen.add_argument("--seed", type=int, default=0, help="Seed for reproducible sampling (default: %(default)s).")
    gen.set_defaults(func=generate_command)

    for add_parser in _optional_parsers():
        add_parser(sub)
    return parser


def _optional_parsers():
    """Sub-commands that live beside their subject (the Hub, evaluation, ensembles)."""
    try:
        from .hub.cli import add_push_parser
    except ImportError:
        pass
    else:
        yield add_push_parser
    try:
        from .evaluation.cli import add_evaluate_parser
    except ImportError:
        pass
    else:
        yield add_evaluate_parser
    from .training.ensemble import add_ensemble_parser

    yield add_ensemble_parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "train":
        return train_command(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if not argv else 2
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
