from .hub_datasets import (
    DatasetNotFoundError,
    load_data_files,
    load_hub_dataset,
    require_columns,
    resolve_dataset_path,
)
from .text_files import check_text_file

__all__ = ["DatasetNotFoundError", "check_text_file", "load_data_files", "load_hub_dataset", "require_columns",
           "resolve_dataset_path"]
