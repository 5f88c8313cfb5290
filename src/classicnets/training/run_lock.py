"""One run at a time in an output folder: an exclusive lock held while a run writes it.

`fcntl.flock` on `<output_dir>/.classicnets.lock`: the operating system releases it when the process ends, however
it ends (SIGKILL included), so a killed run never leaves a stale lock behind. The file names the holder (process,
host, start time, command) for the message a second run gets. Where `fcntl` does not exist (Windows), runs are not
locked.
"""

import json
import os
import socket
import sys
import time
from pathlib import Path

from ..errors import UserError
from .checkpointing import LOCK_FILE

try:
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None


class RunLockedError(UserError, RuntimeError):
    """Another run holds the output folder: the message names it."""


class RunLock:
    def __init__(self, folder: str | Path):
        self.path = Path(folder) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        if fcntl is None:
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode(errors="replace")
            os.close(fd)
            raise RunLockedError(
                f"{self.path.parent} is being written by another run ({_describe(holder)}). Wait for it to finish, "
                "or choose another --output_dir.") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                                 "command": " ".join(["classicnets", *sys.argv[1:]])}).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return f"process {info['pid']} on {info['host']}, started {info['started']}: {info['command']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"
