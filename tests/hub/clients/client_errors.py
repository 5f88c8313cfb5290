"""push_checkpoint and `classicnets push` failing every way, with logs captured to check for the token.

The server (a `fresh_hub`) is armed to drop the commit request and stop: the first good push is cut off
half-way, the next one finds no Hub at all.
"""

import contextlib
import io
import logging
import sys
import warnings
from pathlib import Path

from _common import params, write_result

log_stream = io.StringIO()
handler = logging.StreamHandler(log_stream)
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
logging.basicConfig(level=logging.DEBUG, handlers=[handler], force=True)
logging.captureWarnings(True)
warnings.simplefilter("always")

from classicnets.cli import main as cli_main  # noqa: E402
from classicnets.hub import HubError, push_checkpoint  # noqa: E402

p = params()
ckpt = Path(p["checkpoint"])
result = {}


def run_program(args):
    """The exit code of `classicnets ARGS` as the program runs it (argv read from sys.argv, errors printed)."""
    saved, sys.argv = sys.argv, ["classicnets", *args]
    try:
        return cli_main()
    finally:
        sys.argv = saved


def attempt(label, **kwargs):
    try:
        info = push_checkpoint(ckpt, p["repo"], **kwargs)
        result[label] = {"raised": False, "info": str(info)}
    except HubError as err:
        result[label] = {"raised": True, "reason": err.reason, "status": err.status_code, "text": str(err),
                         "repr": repr(err), "args": [str(a) for a in err.args],
                         "has_context": err.__cause__ is not None}


attempt("wrong_token", token=p["wrong_token"])
stderr = io.StringIO()
with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
    code = run_program(["push", str(ckpt), p["repo"], "--token", p["wrong_token"]])
result["cli_wrong_token"] = {"exit": code, "stderr": stderr.getvalue()}
attempt("cut_off")  # valid token from HF_TOKEN; the server drops the commit and goes away
attempt("unreachable")
stderr = io.StringIO()
with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
    code = run_program(["push", str(ckpt), p["repo"]])
result["cli_unreachable"] = {"exit": code, "stderr": stderr.getvalue()}
result["logs"] = log_stream.getvalue()
write_result(result)
