"""`classicnets.data.images`: image and label columns of any form `datasets` gives, decoded into tensors."""

import io

import numpy as np
import pytest
import torch
from datasets import ClassLabel, Dataset, Features, Image, Value
from PIL import Image as PILImage

from classicnets.data.images import (
    ImageTensorDataset,
    class_names,
    collate_images,
    decode_images,
    decode_labels,
)
from classicnets.errors import DataError

RNG = np.random.default_rng(0)
GREY = [RNG.integers(0, 256, (6, 6), dtype=np.uint8) for _ in range(4)]


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_pil_images_png_bytes_and_dicts_decode_alike():
    expected = torch.from_numpy(np.stack(GREY)[:, None])  # (N, 1, H, W)
    pil = Dataset.from_dict({"image": [PILImage.fromarray(a) for a in GREY]},
                            features=Features({"image": Image()}))
    # Parquet read without its `datasets` metadata: PNG dicts, or bytes, in a column that is no Image feature.
    as_dicts = Dataset.from_dict({"image": [{"bytes": _png(a), "path": None} for a in GREY]})
    as_bytes = Dataset.from_dict({"image": [_png(a) for a in GREY]})
    for dataset in (pil, as_dicts, as_bytes):
        images = decode_images(dataset, "image", "toy")
        assert images.dtype == torch.uint8 and torch.equal(images, expected)
    assert decode_images(pil, "image", "toy", channels=1, size=6).shape == (4, 1, 6, 6)


def test_channels_last_arrays_and_unit_floats_become_uint8_channels_first():
    rgb = RNG.integers(0, 256, (3, 5, 5, 3), dtype=np.uint8)
    images = decode_images(Dataset.from_dict({"image": rgb.tolist()}), "image", "toy", channels=3, size=5)
    assert torch.equal(images, torch.from_numpy(rgb.transpose(0, 3, 1, 2).copy()))
    floats = Dataset.from_dict({"image": [[[0.0, 1.0], [0.5, 0.25]]]})
    assert decode_images(floats, "image", "toy").flatten().tolist() == [0, 255, 128, 64]


def test_what_cannot_be_images_is_a_clear_error():
    pil = Dataset.from_dict({"image": [PILImage.fromarray(a) for a in GREY]},
                            features=Features({"image": Image()}))
    with pytest.raises(DataError, match=r"toy: the preset expects 1-channel 8x8 images .* \(1, 6, 6\)"):
        decode_images(pil, "image", "toy", channels=1, size=8, expected_by="the preset")
    with pytest.raises(DataError, match=r"3-channel 6x6 .* \(1, 6, 6\) .*convert the images"):
        decode_images(pil, "image", "toy", channels=3, size=6)
    ragged = Dataset.from_dict({"image": [PILImage.fromarray(GREY[0]), PILImage.fromarray(GREY[0][:4])]},
                               features=Features({"image": Image()}))
    with pytest.raises(DataError, match="images of different shapes"):
        decode_images(ragged, "image", "toy")
    with pytest.raises(DataError, match="holds <U5 values .* not images: name the image column"):
        decode_images(Dataset.from_dict({"text": ["hello", "world"]}), "text", "toy")


def test_labels_are_checked_against_the_number_of_classes():
    features = Features({"label": ClassLabel(names=["a", "b", "c"])})
    dataset = Dataset.from_dict({"label": [0, 2, 1]}, features=features)
    assert decode_labels(dataset, "label", "toy", num_classes=3).tolist() == [0, 2, 1]
    assert class_names(dataset, "label") == ["a", "b", "c"]
    with pytest.raises(DataError, match=r"toy: labels must be in \[0, 2\) .* from 0 to 2"):
        decode_labels(dataset, "label", "toy", num_classes=2)
    plain = Dataset.from_dict({"label": [1.5, 2.0]}, features=Features({"label": Value("float32")}))
    assert class_names(plain, "label") is None
    with pytest.raises(DataError, match="one whole-number class id per image"):
        decode_labels(plain, "label", "toy")


def test_batches_are_gathered_and_scaled_to_unit_floats():
    images = torch.arange(4 * 4, dtype=torch.uint8).view(4, 1, 2, 2) * 10
    dataset = ImageTensorDataset(images, torch.tensor([3, 1, 4, 1]))
    batch = collate_images(dataset.__getitems__([2, 0]))
    assert batch["labels"].tolist() == [4, 3]
    torch.testing.assert_close(batch["pixel_values"], images[[2, 0]].float() / 255)
    one_by_one = collate_images([dataset[2], dataset[0]])
    assert torch.equal(one_by_one["pixel_values"], batch["pixel_values"])
