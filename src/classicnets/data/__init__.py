from .hub_datasets import DatasetNotFoundError, load_hub_dataset, resolve_dataset_path, require_columns

__all__ = ["DatasetNotFoundError", "load_hub_dataset", "require_columns", "resolve_dataset_path"]
