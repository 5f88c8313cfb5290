"""A `classicnets` command run in this process as the console program runs it: argv from `sys.argv`, so that an
error the user caused is one line on stderr with its exit code (a Python caller of `main(argv)` gets the exception
instead)."""

import os
import sys
from unittest import mock

from classicnets.commands import main


def run_program(capsys, command: str, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `classicnets COMMAND ARGV`."""
    with mock.patch.object(sys, "argv", ["classicnets", command, *map(str, argv)]), mock.patch.dict(os.environ):
        os.environ.pop("CLASSICNETS_DEBUG", None)
        try:
            code = main()
        except SystemExit as exit_:  # --help
            code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(command: str, err: str) -> str:
    """The message of `classicnets COMMAND: error: MESSAGE`, asserting that stderr is that one line."""
    prefix = f"classicnets {command}: error: "
    assert err.count("\n") == 1 and err.startswith(prefix), err
    return err.removeprefix(prefix).rstrip("\n")
