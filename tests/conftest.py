import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # A worker of `pytest -n N` (the variable is set before this file is imported, so before torch is): one
    # thread each, also in the subprocesses it starts, so that the workers do not fight over the cores.
    os.environ.setdefault("OMP_NUM_THREADS", "1")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not available at {SHARED_DATA}")
    return SHARED_DATA


def reset_accelerate_state() -> None:
    """Forget the process-wide Accelerator state, so that the next Engine in this process starts fresh."""
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(True)
    GradientState._reset_state()


@pytest.fixture
def fresh_accelerate_state():
    reset_accelerate_state()
    yield
    reset_accelerate_state()


# --- pytest -n N (pytest-xdist) ------------------------------------------------------------------------------
# Each test file runs whole on one worker, so that its module and session fixtures (a trained tiny run, a
# server) are built once, as in a serial run; the files that take longest start first, so that no worker is
# left with a long file at the end while the others wait. Every worker has its own temporary folders
# (tmp_path, tmp_path_factory) and starts its servers on free ports.


def _starts_late(item: pytest.Item) -> int:
    """0 for a test given a longer timeout than the suite's (minutes of work), 1 for a `slow` one, else 2."""
    timeout = item.get_closest_marker("timeout")
    if timeout is not None and timeout.args and timeout.args[0] > float(item.config.getini("timeout") or 0):
        return 0
    return 1 if item.get_closest_marker("slow") else 2


def pytest_collection_modifyitems(config, items):
    if not hasattr(config, "workerinput"):
        return  # a serial run keeps the collection order
    rank: dict[Path, int] = {}
    for item in items:
        rank[item.path] = min(rank.get(item.path, 2), _starts_late(item))
    items.sort(key=lambda item: rank[item.path])  # stable: each file's tests stay together, in order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n N` (its default `--dist load` spreads single tests): whole files instead, in the workers' order."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False  # keep the order the workers collected: the longest files first
    return LoadFileScheduling(config, log)
