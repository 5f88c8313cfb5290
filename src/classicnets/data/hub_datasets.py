"""Loading the recipes' datasets from the Hub, or from a local mirror when the Hub is out of reach.

`CLASSICNETS_DATA_MIRROR` names a folder of Hub-layout copies: the Hub id `karpathy/tiny_shakespeare` resolves
to `<mirror>/tiny_shakespeare` (the part after the slash). When the variable is unset, a `shared/data` folder
beside the project checkout (or `../shared/data` from the working directory) is used if present, so the
README's commands work on the project's machines with nothing to set.
"""

import os
from pathlib import Path

from datasets import Dataset, DatasetDict, load_dataset

MIRROR_ENV = "CLASSICNETS_DATA_MIRROR"


class DatasetNotFoundError(RuntimeError):
    pass


def _mirror_roots() -> list[Path]:
    if os.environ.get(MIRROR_ENV):
        return [Path(os.environ[MIRROR_ENV]).expanduser()]
    here = Path(__file__).resolve()
    candidates = [Path.cwd() / ".." / "shared" / "data", Path.cwd() / "shared" / "data"]
    candidates += [p / "shared" / "data" for p in here.parents[2:5]]  # <checkout>/../shared/data
    return [c for c in candidates if c.is_dir()]


def resolve_dataset_path(name_or_path: str) -> str:
    """A local folder as is; a Hub id mapped to a local mirror copy when one exists; else the Hub id unchanged."""
    if Path(name_or_path).expanduser().exists():
        return str(Path(name_or_path).expanduser())
    short = name_or_path.rstrip("/").split("/")[-1]
    for root in _mirror_roots():
        if (root / short).is_dir():
            return str(root / short)
    return name_or_path


def load_hub_dataset(name_or_path: str, split: str | None = None, **kwargs) -> Dataset | DatasetDict:
    """`datasets.load_dataset` with the local-mirror fallback and an error that says what to do."""
    resolved = resolve_dataset_path(name_or_path)
    try:
        return load_dataset(resolved, split=split, **kwargs)
    except (FileNotFoundError, ConnectionError, OSError) as err:
        if resolved != name_or_path:
            raise
        raise DatasetNotFoundError(
            f"Could not load dataset {name_or_path!r}: the Hub is not reachable and no local copy was found. "
            f"Either connect to the Hub, pass a local folder in Hub layout, or set {MIRROR_ENV}=<folder> so that "
            f"{name_or_path!r} resolves to <folder>/{name_or_path.split('/')[-1]}. ({type(err).__name__}: {err})"
        ) from err


def load_data_files(files: dict[str, str]) -> DatasetDict:
    """{split name: CSV/TSV/JSON(L)/parquet file} as a DatasetDict; the format comes from the first file's suffix."""
    suffix = Path(next(iter(files.values()))).suffix.lower().lstrip(".")
    builder = {"jsonl": "json", "tsv": "csv"}.get(suffix, suffix)
    return load_dataset(builder, data_files=files, **({"delimiter": "\t"} if suffix == "tsv" else {}))


def require_columns(dataset: Dataset, columns: list[str], what: str) -> None:
    """Raise a clear error naming the columns a dataset has when it lacks the ones a recipe needs."""
    missing = [c for c in columns if c not in dataset.column_names]
    if missing:
        raise ValueError(
            f"{what} needs column(s) {missing}, but the dataset has {dataset.column_names}. "
            "Rename the column (dataset.rename_column) or point the option at the right one."
        )
