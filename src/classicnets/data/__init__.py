from .hub_datasets import DatasetNotFoundError, load_hub_dataset, require_columns, resolve_dataset_path

__all__ = ["DatasetNotFoundError", "load_hub_dataset", "require_columns", "resolve_dataset_path"]
