"""The `classicnets` command line: one module a command, each with `main(argv) -> int`; its one-line help is in
`COMMANDS`.

    classicnets train char-lstm --max_steps 1500 --output_dir outputs/char-lstm
    classicnets generate outputs/char-lstm --prompt "ROMEO:" --max_new_tokens 300
    classicnets push outputs/char-lstm my-org/char-lstm
    classicnets evaluate gan-mnist outputs/gan-mnist
    classicnets ensemble outputs/sst2-m0 outputs/sst2-m1 --output_dir outputs/sst2-ensemble

A command module imports torch, transformers and the model families only when it runs, never to build its
parser: `classicnets --help` and `classicnets <command> --help` start in a fraction of a second
(benchmarks/cli_startup.py).
"""

import importlib
import sys

from .._lazy import cancel, register_when_transformers_loads

# name -> one-line help; the module `classicnets.commands.<name>` (dashes as underscores) does the rest.
COMMANDS = {
    "train": "Train a recipe with Accelerate (see `classicnets train --help`).",
    "generate": "Generate text from a char-LSTM checkpoint (folder or Hub id).",
    "push": "Upload a trained run (or any save_pretrained folder) to the Hugging Face Hub.",
    "evaluate": "Evaluate a trained model (gan-mnist: LeNet-FID, Inception score).",
    "ensemble": "Join trained transformer-sst2 runs into one ensemble checkpoint and evaluate it.",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: classicnets COMMAND [options]", "",
             "The classic neural networks (char-LSTM, Transformer, GAN) as Hugging Face models.", "", "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Run `classicnets COMMAND --help` for the options of each command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # A command registers the model families itself where it needs them (train, generate, ...): --help must not
    # pay seconds of torch and transformers imports for it.
    cancel()
    try:
        return _dispatch(sys.argv[1:] if argv is None else list(argv))
    finally:
        register_when_transformers_loads()  # what `import classicnets` promises, for the rest of this process


def _dispatch(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(f"classicnets: error: unknown command {argv[0]!r}; choose one of: {', '.join(COMMANDS)}.",
              file=sys.stderr)
        return 2
    module = importlib.import_module(f"{__name__}.{argv[0].replace('-', '_')}")
    return module.main(argv[1:]) or 0
