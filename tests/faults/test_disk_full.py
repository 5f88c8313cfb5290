"""A full disk while a run saves is one line naming the folder and the space it needs, not an OSError traceback.

On a real full disk torch.save does not raise OSError ENOSPC: its zip writer fails with `RuntimeError: [enforce fail
at inline_container.cc:672] . unexpected pos ...` (what /dev/full gives below, and a full tmpfs gave in the audit).
The engine takes such a write failure for a full disk when the folder's disk has (nearly) no space left."""

import errno
import os
import shutil
import stat
from collections import namedtuple

import pytest
import torch

from tests.training.helpers import tiny_char_lstm_args

_Usage = namedtuple("_Usage", "total used free")


def _dev_full() -> bool:
    """Whether /dev/full is the device whose every write fails with ENOSPC (not a file some container has)."""
    try:
        return stat.S_ISCHR(os.stat("/dev/full").st_mode)
    except OSError:
        return False


def _torch_save_on_a_full_disk(real_save):
    """torch.save writing into a full disk: the very error torch raises (via /dev/full where there is one)."""

    def save(obj, f, *args, **kwargs):
        if _dev_full():
            real_save({"obj": obj, "padding": torch.zeros(10**6)}, "/dev/full")  # more than the writer buffers
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 74688 vs 74576")

    return save


def test_enospc_while_saving_names_the_folder_and_the_space(console, monkeypatch, tmp_path, fresh_accelerate_state):
    def full_disk(self, output_dir=None, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("accelerate.Accelerator.save_state", full_disk)
    run = tmp_path / "run"
    args = tiny_char_lstm_args(tmp_path, run, max_steps=2, save_steps=1, eval_steps=100, sample_chars=0)
    code, err = console("train", *args)
    assert code == 1
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"classicnets train: error: No space left on the device of {run} (")
    assert " free, a checkpoint of this run needs about " in line and "--resume_from_checkpoint latest" in line
    assert "Traceback" not in err


def test_only_enospc_is_a_full_disk(tmp_path):
    """Only ENOSPC is translated: a permission problem is not a full disk."""
    import pytest

    from classicnets.errors import DiskFullError, disk_full_error

    assert disk_full_error(OSError(errno.EACCES, "Permission denied"), tmp_path) is None
    full = disk_full_error(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x" / "f.bin")),
                           tmp_path / "x", needed_bytes=3_000_000)
    assert isinstance(full, DiskFullError) and isinstance(full, OSError) and full.errno == errno.ENOSPC
    assert "a checkpoint of this run needs about 3.0 MB" in str(full) and not str(full).startswith("[Errno")
    with pytest.raises(DiskFullError):
        raise full


def test_torch_saves_write_failure_on_a_full_disk_is_one_line(console, monkeypatch, tmp_path,
                                                              fresh_accelerate_state):
    run = tmp_path / "run"
    real_usage = shutil.disk_usage

    def usage(path):  # the run's disk is full; any other (the datasets cache) as it is
        if str(os.path.abspath(path)).startswith(str(run)):
            return _Usage(total=10**9, used=10**9 - 4096, free=4096)
        return real_usage(path)

    monkeypatch.setattr("torch.save", _torch_save_on_a_full_disk(torch.save))
    monkeypatch.setattr("shutil.disk_usage", usage)
    args = tiny_char_lstm_args(tmp_path, run, max_steps=2, save_steps=1, eval_steps=100, sample_chars=0)
    code, err = console("train", *args)
    assert code == 1, err[-3000:]
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"classicnets train: error: No space left on the device of {run} (4.1 KB free, ")
    assert "a checkpoint of this run needs about " in line and "--resume_from_checkpoint latest" in line
    assert "Traceback" not in err and "inline_container" not in err


def test_a_write_failure_with_space_left_is_not_a_full_disk(tmp_path, monkeypatch):
    """The same RuntimeError with the disk far from full is a bug of another kind: kept, with its traceback."""
    from classicnets.errors import DiskFullError
    from classicnets.training.engine import full_disk_error

    failure = RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 74688 vs 74576")
    if _dev_full():  # what the engine recognises is torch's own text
        with pytest.raises(RuntimeError, match=r"inline_container\.cc.*unexpected pos") as info:
            torch.save({"w": torch.zeros(10**6)}, "/dev/full")  # more than the writer buffers
        failure = info.value
    monkeypatch.setattr("shutil.disk_usage", lambda path: _Usage(total=10**12, used=10**11, free=9 * 10**11))
    assert full_disk_error(failure, tmp_path, needed_bytes=1000) is None
    monkeypatch.setattr("shutil.disk_usage", lambda path: _Usage(total=10**12, used=10**12, free=0))
    full = full_disk_error(failure, tmp_path, needed_bytes=1000)
    assert isinstance(full, DiskFullError) and full.errno == errno.ENOSPC and str(tmp_path) in str(full)
    assert full_disk_error(RuntimeError("size mismatch for weight"), tmp_path) is None  # not a write failure
