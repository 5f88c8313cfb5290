"""Errors a user caused and can fix: the command line prints them as one line, without a traceback.

`classicnets <command>` catches `UserError` (and the few foreign errors `as_user_error` knows, such as a corrupt
`.safetensors` file) and prints `classicnets <command>: error: <message>`, exit code `exit_code` (2 for an option,
as argparse does, 1 otherwise); `classicnets --debug <command>` or `CLASSICNETS_DEBUG=1` shows the traceback.
Every other exception is a bug and keeps its traceback. Each class also derives from the built-in error it
replaces (ValueError, OSError, ...), so code that caught those before still does.
"""

import errno
import json
import os
import shutil
import struct
from pathlib import Path


class UserError(Exception):
    """Base class: the message names the problem and the fix."""

    exit_code = 1


class OptionError(UserError, ValueError):
    """A command-line option (or a key of an options file) with a value that cannot work.

    `OptionError("eval_steps", "must be >= 1", 0, hint="...")` reads "--eval_steps must be >= 1 (got 0); ...";
    with `source` (an options file) it reads "opts.yaml: eval_steps must be >= 1 (got 0); ...".
    """

    exit_code = 2

    def __init__(self, option: str | None, message: str, got=..., hint: str | None = None,
                 source: str | None = None):
        self.option = option
        self.source = source
        where = "" if option is None else (f"{option} " if source else f"--{option} ")
        text = where + message + ("" if got is ... else f" (got {got!r})") + (f"; {hint}" if hint else "")
        super().__init__(f"{source}: {text}" if source else text)


class DataError(UserError, ValueError):
    """Training or evaluation data the recipe cannot use (encoding, columns, labels, splits)."""


class CheckpointError(UserError, ValueError):
    """A model folder that cannot be loaded: corrupt weights, or a model of another type."""


class DiskFullError(UserError, OSError):
    """No space left on the device while writing a run: `DiskFullError(errno.ENOSPC, message)`."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()  # the message alone, without OSError's "[Errno 28]"


def as_user_error(err: BaseException) -> UserError | None:
    """`err` itself if it is a UserError; a foreign error we recognise translated into one; else None (a bug)."""
    if isinstance(err, UserError):
        return err
    if type(err).__name__ == "SafetensorError":  # safetensors' Rust error: names no file
        return corrupt_safetensors_error(err)
    return None


# --- a truncated or corrupt model.safetensors ---------------------------------------------------------------


def corrupt_safetensors_error(err: BaseException) -> CheckpointError:
    """The file the failed load was reading (found in the traceback: safetensors' error does not say) and what
    is wrong with it."""
    path = _safetensors_path_in_traceback(err)
    if path is None:
        return CheckpointError(f"A .safetensors weights file is corrupt ({err}). Save the model again "
                               "(save_pretrained) or download it again.")
    return CheckpointError(f"{path}: {safetensors_problem(path) or err}. Save the model again (save_pretrained) "
                           "or download it again (from the Hub: force_download=True).")


def _safetensors_path_in_traceback(err: BaseException) -> Path | None:
    """transformers opens each weights file as a local (`file`, `checkpoint_file`, ...): the innermost one wins."""
    found, tb = None, err.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, (str, os.PathLike)) and str(value).endswith(".safetensors") and Path(value).is_file():
                found = Path(value)
        tb = tb.tb_next
    return found


def safetensors_problem(path: str | Path) -> str | None:
    """What is wrong with a .safetensors file, in words, or None when its header and size look right.

    Layout: 8 bytes (little-endian header length N), N bytes of JSON ({name: {"data_offsets": [begin, end]}}),
    then the tensor data; the file must be exactly 8 + N + the largest `end` bytes long.
    """
    size = Path(path).stat().st_size
    if size == 0:
        return "the file is empty (0 bytes): an interrupted save or download"
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            return f"the file is truncated: {size} bytes, too short even for the 8-byte header length"
        (length,) = struct.unpack("<Q", head)
        if 8 + length > size:
            return (f"the file is truncated: its header announces {length:,} bytes of metadata but the file has "
                    f"{size:,} bytes in all")
        try:
            header = json.loads(f.read(length))
        except ValueError:
            return "the file is corrupt: its metadata is not valid JSON"
    ends = [t["data_offsets"][1] for k, t in header.items() if k != "__metadata__" and isinstance(t, dict)]
    expected = 8 + length + max(ends, default=0)
    if size < expected:
        return f"the file is truncated: {size:,} of its {expected:,} bytes"
    return None


# --- no space left on the device ----------------------------------------------------------------------------


def disk_full_error(err: OSError, output_dir: str | Path, needed_bytes: int | None = None) -> DiskFullError | None:
    """A DiskFullError naming the folder and the space wanted, for an ENOSPC error (None for any other)."""
    if getattr(err, "errno", None) != errno.ENOSPC:
        return None
    folder = Path(output_dir)
    if err.filename and not Path(err.filename).resolve().is_relative_to(folder.resolve()):
        folder = Path(err.filename).parent  # the full disk is another one (a cache, /tmp, ...)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    free = shutil.disk_usage(existing).free
    need = f", a checkpoint of this run needs about {format_bytes(needed_bytes)}" if needed_bytes else ""
    return DiskFullError(
        errno.ENOSPC, f"No space left on the device of {folder} ({format_bytes(free)} free{need}). Free some space "
        "(or lower --save_total_limit), or choose an --output_dir on another disk; a run with a complete "
        "checkpoint continues with --resume_from_checkpoint latest.")


def listing(names: list[str], limit: int = 10) -> str:
    """`a, b, c (and 4 more)` on one line, for a message (a name with a newline in it stays on one line too)."""
    shown = [n if n.isprintable() else repr(n) for n in names[:limit]]
    return ", ".join(shown) + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def format_bytes(count: float) -> str:
    if count < 1000:
        return f"{int(count)} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        count /= 1000
        if count < 1000 or unit == "TB":
            return f"{count:.1f} {unit}"
