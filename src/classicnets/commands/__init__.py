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

import argparse
import importlib
import os
import re
import sys

from .._lazy import cancel, register_when_transformers_loads
from ..errors import OptionError, as_user_error

# name -> one-line help; the module `classicnets.commands.<name>` (dashes as underscores) does the rest.
COMMANDS = {
    "train": "Train a recipe with Accelerate (see `classicnets train --help`).",
    "generate": "Generate text (char-LSTM) or images (GAN) from a run folder or Hub id.",
    "classify": "Label sentences with a Transformer classifier (run folder or Hub id).",
    "demo": "Start a web demo (Gradio) of a trained model on 127.0.0.1.",
    "space": "Write a Hugging Face Space folder (app.py, requirements.txt, README.md) for a model.",
    "push": "Upload a trained run (or any save_pretrained folder) to the Hugging Face Hub.",
    "evaluate": "Evaluate a trained model (gan-mnist: LeNet-FID, Inception score).",
    "ensemble": "Join trained transformer-sst2 runs into one ensemble checkpoint and evaluate it.",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: classicnets [--debug] COMMAND [options]", "",
             "The classic neural networks (char-LSTM, Transformer, GAN) as Hugging Face models.", "", "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Run `classicnets COMMAND --help` for the options of each command.",
              f"--debug (or {DEBUG_ENV}=1): show the traceback of an error instead of its one-line message."]
    return "\n".join(lines)


DEBUG_ENV = "CLASSICNETS_DEBUG"


def main(argv: list[str] | None = None) -> int:
    """Run one command line. From the `classicnets` program (argv None), an error the user caused
    (`classicnets.errors.UserError`, or a foreign error it translates) prints as ONE line,
    `classicnets COMMAND: error: ...`, exit code 1 (2 for an option); `classicnets --debug COMMAND ...` or
    CLASSICNETS_DEBUG=1 shows its traceback instead. Every other exception is a bug and keeps its traceback. A
    Python caller that passes `argv` gets the exception itself."""
    # A command registers the model families itself where it needs them (train, generate, ...): --help must not
    # pay seconds of torch and transformers imports for it.
    cancel()
    args = sys.argv[1:] if argv is None else list(argv)
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0")
    while args and args[0] == "--debug":  # a global flag: before the command
        debug, args = True, args[1:]
    try:
        return _dispatch(args)
    except Exception as err:
        user_error = as_user_error(err)
        if user_error is None or debug or argv is not None:
            raise
        command = f"classicnets {args[0]}" if args and args[0] in COMMANDS else "classicnets"
        print(f"{command}: error: {' '.join(str(user_error).split())}", file=sys.stderr)  # one line, always
        return user_error.exit_code
    finally:
        register_when_transformers_loads()  # what `import classicnets` promises, for the rest of this process


class ArgumentParser(argparse.ArgumentParser):
    """The parser of every command but `train` (whose HfArgumentParser does the same with `refuse_option`): no
    abbreviated flags, and an error is ONE line, `classicnets COMMAND: error: MESSAGE; `... --help` lists every
    option.` with exit code 2 (an `OptionError` that `main` prints), instead of argparse's usage block. Its
    subparsers (`add_subparsers`) are of this class too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        if message.startswith("unrecognized arguments:"):
            given = message.split(":", 1)[1].split()
            message += (" (--debug goes before the command: classicnets --debug COMMAND ...)" if "--debug" in given
                        else did_you_mean(given, list(self._option_string_actions)))
        refuse_option(message, self.prog)


def refuse_option(message: str, prog: str):
    """Raise argparse's error `message` as one line: `--port: invalid int value: 'x'; `classicnets demo --help`
    lists every option.` (an `OptionError`, exit code 2)."""
    message = re.sub(r"argument ([^\s/:]+)(?:/[^\s/:]+)*:", r"\1:", message).rstrip(".")
    raise OptionError(None, f"{message}; `{prog} --help` lists every option.")


def did_you_mean(given: list[str], known: list[str]) -> str:
    """" (did you mean --max_steps?)" for the first unknown flag close to a known one, else ""."""
    import difflib

    flags = [arg.split("=")[0] for arg in given if arg.startswith("--")]
    close = difflib.get_close_matches(flags[0], known, 1) if flags else []
    return f" (did you mean {close[0]}?)" if close else ""


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
