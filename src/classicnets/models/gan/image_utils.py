"""Turning image tensors in [0, 1] into PIL images and PNG grids (no torchvision needed)."""

import math
import os

import numpy as np
import torch
from PIL import Image


def _as_batch(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N, C, H, W), (C, H, W) or (H, W) floats in [0, 1] -> (N, C, H, W) float32 on the CPU."""
    images = torch.as_tensor(images).detach().cpu()
    if images.dim() == 2:
        images = images[None, None]
    elif images.dim() == 3:
        images = images[None]
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            "Expected images of shape (N, C, H, W) (or (C, H, W)) with C = 1 or 3; got " f"{tuple(images.shape)}."
        )
    if not images.dtype.is_floating_point:
        raise ValueError(f"Expected float images in [0, 1], got dtype {images.dtype} (divide uint8 images by 255).")
    images = images.float()
    if not bool(torch.isfinite(images).all()):
        raise ValueError("The images contain NaN or infinite values.")
    return images


def _to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) floats -> (N, H, W, C) uint8, clamped to [0, 1] and rounded."""
    return (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def to_pil_images(images: torch.Tensor | np.ndarray) -> list[Image.Image]:
    """One PIL image per item of `images` ((N, C, H, W) in [0, 1]): mode "L" for one channel, "RGB" for three."""
    arrays = _to_uint8(_as_batch(images))
    return [Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a) for a in arrays]  # uint8: "L" or "RGB"


def make_image_grid(
    images: torch.Tensor | np.ndarray, nrow: int = 8, padding: int = 2, pad_value: float = 1.0
) -> Image.Image:
    """Tile (N, C, H, W) images in [0, 1] into one PIL image, `nrow` images per row, `padding` pixels apart."""
    if nrow < 1 or padding < 0:
        raise ValueError(f"nrow must be >= 1 and padding >= 0, got nrow={nrow}, padding={padding}.")
    batch = _as_batch(images)
    n, c, h, w = batch.shape
    ncol = min(nrow, n)
    rows = math.ceil(n / ncol)
    grid = torch.full((c, rows * (h + padding) + padding, ncol * (w + padding) + padding), float(pad_value))
    for i in range(n):
        r, k = divmod(i, ncol)
        top, left = padding + r * (h + padding), padding + k * (w + padding)
        grid[:, top : top + h, left : left + w] = batch[i]
    return to_pil_images(grid)[0]


def save_image_grid(
    images: torch.Tensor | np.ndarray,
    path: str | os.PathLike,
    nrow: int = 8,
    padding: int = 2,
    pad_value: float = 1.0,
    scale: int = 1,
) -> str:
    """
    Save (N, C, H, W) images in [0, 1] as one PNG grid (`scale` > 1 enlarges it, nearest neighbour); returns the path.
    """
    grid = make_image_grid(images, nrow=nrow, padding=padding, pad_value=pad_value)
    if scale > 1:
        grid = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    grid.save(path, format="PNG")
    return path


__all__ = ["make_image_grid", "save_image_grid", "to_pil_images"]
