from .hub_datasets import (
    DatasetNotFoundError,
    load_data_files,
    load_hub_dataset,
    require_columns,
    resolve_dataset_path,
)

__all__ = ["DatasetNotFoundError", "load_data_files", "load_hub_dataset", "require_columns", "resolve_dataset_path"]
