"""Loading the recipes' datasets from the Hub, or from a local mirror when the Hub is out of reach.

`CLASSICNETS_DATA_MIRROR` names a folder of Hub-layout copies, laid out as the Hub names them: the Hub id
`karpathy/tiny_shakespeare` resolves to `<mirror>/karpathy/tiny_shakespeare`, namespace included, so two Hub ids
never share a copy (a namespace-less id such as `mnist` resolves to `<mirror>/mnist`). When the variable is unset,
a `shared/data` folder beside the project checkout (or `../shared/data` from the working directory) is used if
present, so the README's commands work on the project's machines with nothing to set.
"""

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from datasets import Dataset, DatasetDict, load_dataset

from ..errors import DataError, UserError
from .text_files import check_text_file

MIRROR_ENV = "CLASSICNETS_DATA_MIRROR"


class DatasetNotFoundError(UserError, RuntimeError):
    pass


def _mirror_roots() -> list[Path]:
    if os.environ.get(MIRROR_ENV):
        return [Path(os.environ[MIRROR_ENV]).expanduser()]
    here = Path(__file__).resolve()
    candidates = [Path.cwd() / ".." / "shared" / "data", Path.cwd() / "shared" / "data"]
    candidates += [p / "shared" / "data" for p in here.parents[2:5]]  # <checkout>/../shared/data
    return [c for c in candidates if c.is_dir()]


def mirror_candidates(hub_id: str) -> list[Path]:
    """Where a mirror copy of `hub_id` would be: `<root>/<namespace>/<name>` for every mirror root."""
    parts = [p for p in hub_id.strip("/").split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        return []  # never let an id climb out of the mirror
    return [root.joinpath(*parts) for root in _mirror_roots()]


def resolve_dataset_path(name_or_path: str) -> str:
    """A local folder as is; a Hub id mapped to a local mirror copy when one exists; else the Hub id unchanged."""
    if Path(name_or_path).expanduser().exists():
        return str(Path(name_or_path).expanduser())
    for candidate in mirror_candidates(name_or_path):
        if (folder := _followed(candidate)) is not None:
            return str(folder)
    return name_or_path


def _followed(candidate: Path) -> Path | None:
    """`candidate` if it is a folder (or a symbolic link to one); a link kept as a small text file holding a
    relative path (git's form of a link where links are not supported) is followed too, within its mirror."""
    if candidate.is_dir():
        return candidate
    if candidate.is_file() and candidate.stat().st_size < 1024:
        target = (candidate.parent / candidate.read_text(errors="replace").strip()).resolve()
        root = next((r.resolve() for r in _mirror_roots() if candidate.is_relative_to(r)), None)
        if target.is_dir() and root is not None and target.is_relative_to(root):
            return target
    return None


def load_hub_dataset(name_or_path: str, split: str | None = None, **kwargs) -> Dataset | DatasetDict:
    """`datasets.load_dataset` with the local-mirror fallback and an error that says what to do."""
    resolved = resolve_dataset_path(name_or_path)
    try:
        return load_dataset(resolved, split=split, **kwargs)
    except (FileNotFoundError, ConnectionError, OSError) as err:
        if resolved != name_or_path:
            raise
        from huggingface_hub import constants

        looked = ", ".join(str(c) for c in mirror_candidates(name_or_path)) or f"none ({MIRROR_ENV} is unset)"
        raise DatasetNotFoundError(
            f"Could not load dataset {name_or_path!r}: not from the Hub at {constants.ENDPOINT} "
            f"({type(err).__name__}: {str(err)[:200]}), and no local copy was found (looked in: {looked}). "
            f"Connect to the Hub, pass a local folder in Hub layout, or set {MIRROR_ENV}=<folder> with the copy in "
            f"<folder>/{name_or_path.strip('/')}."
        ) from err


def load_data_files(files: dict[str, str], options: dict[str, str] | None = None) -> DatasetDict:
    """{split name: CSV/TSV/JSON(L)/parquet file} as a DatasetDict; the format comes from the first file's suffix.

    `options` ({split name: option}, e.g. {"train": "train_file"}) names the option that gave each file in errors.
    Text formats are checked first (UTF-8, no NUL byte: `check_text_file`), and a file `datasets` cannot parse is
    named with the parser's own reason: a `DataError` either way, instead of a DatasetGenerationError."""
    options = options or {}
    first = next(iter(files.values()))
    suffix = Path(first).suffix.lower().lstrip(".")
    builder = {"jsonl": "json", "tsv": "csv"}.get(suffix, suffix)
    if missing := [path for path in files.values() if not Path(path).expanduser().is_file()]:
        raise DataError(f"The data file {missing[0]} does not exist.")
    if builder not in ("csv", "json", "parquet"):
        raise DataError(f"{first}: unknown data format {suffix!r}; give a .csv, .tsv, .json, .jsonl or .parquet file "
                        "(the format comes from the suffix).")
    if builder != "parquet":  # `datasets` reads CSV and JSON as UTF-8 and has no option for another encoding
        for split, path in files.items():
            check_text_file(path, "utf-8", options.get(split), encoding_option=None)
    from datasets.exceptions import DatasetGenerationError

    try:
        with _quiet_parsers():
            return load_dataset(builder, data_files=files, **({"delimiter": "\t"} if suffix == "tsv" else {}))
    except DatasetGenerationError as err:
        raise unreadable_file_error(err, files, options, suffix) from None


@contextmanager
def _quiet_parsers():
    """Without the parsers' own "Failed to read file ..." log line: the DataError says it (in one line)."""
    loggers = [logging.getLogger(f"datasets.packaged_modules.{m}.{m}") for m in ("csv", "json", "parquet")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def unreadable_file_error(err: BaseException, files: dict[str, str], options: dict[str, str],
                          suffix: str) -> DataError:
    """A DataError naming the file the parser failed on (found in the traceback: the error does not say) and the
    parser's reason (the error `err` wraps)."""
    causes, cause = [], err
    while cause is not None and cause not in causes:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    reason = next((c for c in causes[1:] if str(c).strip()), err)  # the parser's error, under datasets' wrapper
    wanted = {Path(path).expanduser().resolve(): split for split, path in files.items()}
    split = None
    for c in causes:
        tb = c.__traceback__
        while tb is not None:
            for value in tb.tb_frame.f_locals.values():
                if isinstance(value, (str, os.PathLike)) and 0 < len(str(value)) < 4096 and os.path.isabs(value):
                    split = wanted.get(Path(value).resolve(), split)
            tb = tb.tb_next
    if split is not None:
        where = f"--{options[split]} {files[split]}" if split in options else str(files[split])
    else:
        where = "one of " + ", ".join(str(path) for path in files.values())
    kinds = {"tsv": "TSV (tab-separated)", "jsonl": "JSON Lines", "json": "JSON or JSON Lines"}
    kind = kinds.get(suffix, suffix.upper())
    first = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    return DataError(f"{where} cannot be read as {kind} ({type(reason).__name__}: {first}). Repair the file (a "
                     "quote left open, a line with too many fields, a truncated last line) or give it the suffix "
                     "of its real format.")


def require_columns(dataset: Dataset, columns: list[str], what: str) -> None:
    """Raise a clear error naming the columns a dataset has when it lacks the ones a recipe needs."""
    missing = [c for c in columns if c not in dataset.column_names]
    if missing:
        raise DataError(
            f"{what} needs column(s) {missing}, but the dataset has {dataset.column_names}. "
            "Rename the column (dataset.rename_column) or point the option at the right one."
        )
