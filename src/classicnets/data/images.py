"""Images and labels of a `datasets` split, decoded once into tensors that every image family trains from.

    images = decode_images(split, "image", "lenet-mnist (train split)")   # uint8 (N, C, H, W)
    labels = decode_labels(split, "label", "lenet-mnist (train split)", num_classes=10)
    dataset = ImageTensorDataset(images, labels)                          # batches: collate_images

A column may hold what `datasets` gives for images (PIL images, arrays, `{"bytes": PNG, "path": ...}` dicts
or raw PNG/JPEG bytes): all become one uint8 array, channels first, with [0, 1] floats scaled to [0, 255].
Whatever cannot (texts, images of different sizes, the wrong size or channel count for a model) is a
`DataError` that says what the column holds and how to fix it. MNIST's 60,000 training images take about
10 s to decode.
"""

import numpy as np
import torch

from ..errors import DataError


def decode_images(dataset, column: str, what: str, channels: int | None = None,
                  size: int | None = None, expected_by: str = "the model") -> torch.Tensor:
    """
    A `datasets` image column -> uint8 tensor (N, C, H, W). With `channels` and `size`, the images must be
    `channels`-channel `size`x`size` ones (`expected_by` names who expects them in the error); `what` names
    the data in every error (e.g. "gan-mnist (test split)").
    """
    dataset = _as_image_feature(dataset, column)
    values = dataset.select_columns([column]).with_format("numpy")[:][column]
    expected = _describe(channels, size) if channels is not None and size is not None else "images"
    try:
        images = np.asarray(values)
    except ValueError:  # ragged: images of different sizes
        images = np.asarray(values, dtype=object)
    if images.dtype == object:
        shapes = sorted({tuple(np.asarray(v).shape) for v in values[:1000]})
        raise DataError(f"{what}: {expected_by} expects {expected}, but column {column!r} holds images of "
                        f"different shapes, e.g. {shapes[:4]}. Resize and convert them first (dataset.map "
                        "with PIL).")
    if images.dtype.kind not in "uif" or images.ndim < 3:
        example = repr(values[0])[:60] if len(values) else "nothing"
        raise DataError(f"{what}: column {column!r} holds {images.dtype} values of shape {images.shape[1:]} "
                        f"(e.g. {example}), not images: name the image column with --image_column.")
    if images.ndim == 3:
        images = images[:, None]  # (N, H, W) -> (N, 1, H, W)
    elif images.ndim == 4 and images.shape[-1] in (1, 3, 4) and images.shape[1] not in (1, 3, 4):
        images = images.transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    wanted = None if channels is None or size is None else (channels, size, size)
    if wanted is not None and (images.ndim != 4 or images.shape[1:] != wanted):
        got = tuple(images.shape[1:])
        hint = ""
        if images.ndim == 4 and images.shape[2:] == (size, size) and images.shape[1] != channels:
            hint = " (convert the images, e.g. PIL image.convert('L' if grey else 'RGB'))"
        raise DataError(f"{what}: {expected_by} expects {expected}, i.e. arrays of shape (C, H, W) = "
                        f"{wanted}, but column {column!r} holds images of shape {got} (channels "
                        f"first){hint}. Resize/convert the dataset or use a matching configuration.")
    if images.ndim != 4:
        raise DataError(f"{what}: column {column!r} holds arrays of shape {images.shape[1:]}, not images "
                        "(H, W) or (H, W, C).")
    if images.dtype != np.uint8:
        if images.dtype.kind == "f" and images.max() <= 1.0:
            images = images * 255.0
        images = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    return torch.from_numpy(np.ascontiguousarray(images))


def decode_labels(dataset, column: str, what: str, num_classes: int | None = None) -> torch.Tensor:
    """A `datasets` column of class ids -> int64 tensor (N,); with `num_classes`, every id must lie in
    [0, num_classes)."""
    values = np.asarray(dataset.select_columns([column]).with_format("numpy")[:][column])
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise DataError(f"{what}: column {column!r} must hold one whole-number class id per image, but "
                        f"holds {values.dtype} values of shape {values.shape[1:]}: name the label column "
                        "with --label_column.")
    labels = torch.as_tensor(values, dtype=torch.long)
    if num_classes is not None and len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"{what}: labels must be in [0, {num_classes}) for num_classes {num_classes}; got "
                        f"values from {int(labels.min())} to {int(labels.max())}.")
    return labels


def class_names(dataset, column: str) -> list[str] | None:
    """The names of a `datasets.ClassLabel` column (MNIST: "0" ... "9"); None for a plain integer column."""
    names = getattr(dataset.features.get(column), "names", None)
    return list(names) if names else None


def _as_image_feature(dataset, column: str):
    """A column of encoded images (PNG/JPEG bytes, or `{"bytes", "path"}` dicts, e.g. parquet files read
    without their `datasets` metadata) cast to `datasets.Image`, so that it decodes like any image column."""
    from datasets import Image

    if isinstance(dataset.features.get(column), Image) or len(dataset) == 0:
        return dataset
    first = dataset[0][column]
    if isinstance(first, (bytes, bytearray)) or (isinstance(first, dict) and "bytes" in first):
        if isinstance(first, (bytes, bytearray)):
            dataset = dataset.map(
                lambda batch: {column: [{"bytes": b, "path": None} for b in batch[column]]}, batched=True)
        return dataset.cast_column(column, Image())
    return dataset


def _describe(channels: int, size: int) -> str:
    kind = "grey-scale, PIL mode L" if channels == 1 else "RGB" if channels == 3 else f"{channels} channels"
    return f"{channels}-channel {size}x{size} images ({kind})"


class ImageTensorDataset(torch.utils.data.Dataset):
    """uint8 images (N, C, H, W) and labels (N,) in memory; batches are gathered with one indexing op."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> dict:
        return {"pixel_values": self.images[index], "labels": self.labels[index]}

    def __getitems__(self, indices: list[int]) -> dict:  # DataLoader: a whole batch at once
        index = torch.as_tensor(indices)
        # index_select copies whole rows: faster than advanced indexing (images[index]) for a batch of 128
        return {"pixel_values": self.images.index_select(0, index),
                "labels": self.labels.index_select(0, index)}


def collate_images(data) -> dict:
    """A batch from `__getitems__` (or a list of items) -> float pixel values in [0, 1] and labels."""
    if isinstance(data, list):
        data = {"pixel_values": torch.stack([d["pixel_values"] for d in data]),
                "labels": torch.stack([d["labels"] for d in data])}
    return {"pixel_values": data["pixel_values"].float().div_(255), "labels": data["labels"]}


__all__ = ["ImageTensorDataset", "class_names", "collate_images", "decode_images", "decode_labels"]
