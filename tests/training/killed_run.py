"""`python tests/training/killed_run.py STEP train RECIPE ...`: `classicnets train RECIPE ...`, hard-killed.

The run is stopped with SIGKILL (no clean-up, no `finally`: as a crash, the OOM killer or a lost machine
would) right after optimizer step STEP, its evaluation and checkpoint included: what the resume tests
continue from. The kill is a callback the engine calls after each optimizer step (`Engine(...,
callbacks=[...])`), installed here by wrapping `Engine.__init__`; the command line itself runs as
`python -m classicnets` runs it.
"""

import os
import runpy
import signal
import sys

from classicnets.training.engine import Engine


class KillAtStep:
    """An engine callback: SIGKILL this process at the end of optimizer step `step`."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, run) -> None:
        if run.step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def install(step: int) -> None:
    """Every Engine made in this process from now on gets a `KillAtStep(step)` callback."""
    original = Engine.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.callbacks.append(KillAtStep(step))

    Engine.__init__ = __init__


if __name__ == "__main__":
    install(int(sys.argv[1]))
    sys.argv = [sys.argv[0], *sys.argv[2:]]  # what the run records as its command: `classicnets train ...`
    runpy.run_module("classicnets", run_name="__main__", alter_sys=True)
