"""A full disk while a run saves is one line naming the folder and the space it needs, not an OSError traceback."""

import errno

from tests.training.helpers import tiny_char_lstm_args


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
