"""Checking a local text file before `datasets` reads it: a wrong encoding or a binary file is named with the
option, the file and the byte where it fails, instead of a DatasetGenerationError with the decoding error
buried in its chain."""

import codecs
from pathlib import Path

from ..errors import DataError, OptionError

CHUNK = 1 << 20  # bytes read (and decoded) at a time
NEWLINE = b"\n"


def check_text_file(path: str, encoding: str, option: str | None, encoding_option: str | None = "encoding") -> None:
    """Raise DataError unless `path` (given as `--option`; None: named by its path alone) is a file that decodes with
    `encoding` and holds no NUL byte (the mark of a binary file; UTF-16/32 text has them, so it is not checked for
    those). The fix of a wrong encoding is `--encoding_option`, or converting the file when that is None (a reader
    that takes UTF-8 only)."""
    file = Path(path).expanduser()
    name = f"--{option} {path}" if option else str(path)
    if not file.is_file():
        raise DataError(f"{name} does not exist" + (" (it is a folder)" if file.is_dir() else "") + ".")
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise OptionError(encoding_option or "encoding", "is not an encoding Python knows", encoding,
                          hint="e.g. utf-8, latin-1, cp1252") from None
    wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    if encoding_option:
        fix = (f"Pass the file's encoding, e.g. --{encoding_option} latin-1 (or cp1252 for Windows text), or convert "
               "the file to UTF-8 (iconv -f latin-1 -t utf-8)")
    else:
        fix = (f"It is read as {encoding} only: convert it (e.g. iconv -f latin-1 -t {encoding} IN > OUT; cp1252 "
               "for Windows text)")
    offset, lines = 0, 1  # bytes and lines before the current chunk
    with open(file, "rb") as f:
        while chunk := f.read(CHUNK):
            nul = -1 if wide else chunk.find(b"\x00")
            if nul >= 0:
                raise DataError(
                    f"{name} looks like a binary file, not text: a NUL byte at offset {offset + nul} "
                    f"(line {lines + chunk.count(NEWLINE, 0, nul)}). Give a plain-text file "
                    "(extract an archive first).")
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the previous chunk's end
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                at = max(0, err.start - pending)  # position in this chunk
                raise DataError(
                    f"{name} is not valid {encoding}: byte 0x{chunk[at]:02x} at offset {offset + at} "
                    f"(line {lines + chunk.count(NEWLINE, 0, at)}) cannot be decoded ({err.reason}). {fix}.") from None
            offset, lines = offset + len(chunk), lines + chunk.count(NEWLINE)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            end_fix = f"Pass the file's encoding with --{encoding_option}" if encoding_option else fix
            raise DataError(f"{name} is not valid {encoding}: it ends inside a character "
                            f"({err.reason}). {end_fix}, or repair its end.") from None
