"""Configuration of the LeNet-style MNIST classifier (LeCun et al. 1998, with ReLU, max-pooling and dropout)."""

from transformers import PreTrainedConfig


class LeNetConfig(PreTrainedConfig):
    r"""
    Configuration of a [`LeNetForImageClassification`]: two 5x5 convolution + ReLU + 2x2 max-pool stages, a
    fully connected feature layer and a linear classifier. Its penultimate features are the embedding of the
    LeNet-FID (see `classicnets.evaluation`).

    Args:
        image_size (`int`, defaults to 28): Height and width of the square input images.
        num_channels (`int`, defaults to 1): Input channels.
        num_labels (`int`, defaults to 10): Classes (set through `num_labels` or `id2label`).
        conv_channels (`list[int]`, defaults to `[32, 64]`):
            Output channels of the convolution stages, each followed by ReLU and 2x2 max-pooling
            (28 -> 24 -> pool 12 -> 8 -> pool 4 with the defaults, as in Caffe's MNIST LeNet).
        kernel_size (`int`, defaults to 5): Convolution kernel size.
        padding (`int`, defaults to 0):
            Zero padding of the first convolution only; 2 shows the network LeNet-5's 32x32 view of MNIST
            (about 2.5x slower on a CPU, for no accuracy gain on MNIST).
        feature_size (`int`, defaults to 256): Width of the penultimate (feature) layer.
        dropout (`float`, defaults to 0.25): Dropout on the features before the classifier (training only).
        image_mean (`float`, defaults to 0.1307), image_std (`float`, defaults to 0.3081):
            The model takes pixel values in `[0, 1]` and standardises them itself with these (MNIST's) statistics.
        initializer_range (`float` or `None`, defaults to `None`):
            `None` keeps PyTorch's default (Kaiming-uniform) init; a float gives N(0, std) weights.

    Example:

    ```python
    >>> from classicnets import LeNetConfig, LeNetForImageClassification
    >>> model = LeNetForImageClassification(LeNetConfig())
    ```
    """

    model_type = "classic_lenet"

    image_size: int = 28
    num_channels: int = 1
    conv_channels: list[int] | None = None
    kernel_size: int = 5
    padding: int = 0
    feature_size: int = 256
    dropout: float = 0.25
    image_mean: float = 0.1307
    image_std: float = 0.3081
    initializer_range: float | None = None

    def __post_init__(self, **kwargs):
        if self.conv_channels is None:
            self.conv_channels = [32, 64]
        self.conv_channels = [int(c) for c in self.conv_channels]
        if not self.conv_channels or any(c < 1 for c in self.conv_channels):
            raise ValueError("LeNetConfig.conv_channels must be a non-empty list of positive ints, "
                             f"got {self.conv_channels}.")
        if self.padding < 0:
            raise ValueError(f"LeNetConfig.padding must be >= 0, got {self.padding}.")
        for name in ("image_size", "num_channels", "kernel_size", "feature_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"LeNetConfig.{name} must be >= 1, got {getattr(self, name)}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"LeNetConfig.dropout must be in [0, 1), got {self.dropout}.")
        if self.image_std <= 0:
            raise ValueError(f"LeNetConfig.image_std must be > 0, got {self.image_std}.")
        if kwargs.get("num_labels") is None and self.id2label is None:
            kwargs["num_labels"] = 10
        super().__post_init__(**kwargs)
        if self.feature_map_size() < 1:
            raise ValueError(
                f"image_size {self.image_size} is too small for {len(self.conv_channels)} convolution stages with "
                f"kernel {self.kernel_size}: the feature map shrinks to nothing."
            )

    def feature_map_size(self) -> int:
        """Side of the last feature map: each convolution loses kernel_size - 1 (after padding), each pool halves."""
        size = self.image_size + 2 * self.padding
        for _ in self.conv_channels:
            size = (size - self.kernel_size + 1) // 2
        return size


# Named architectures for `LeNetConfig.from_preset(name, **overrides)` (AUTO_CLASSES["presets"]).
PRESETS: dict[str, dict] = {
    # The MNIST evaluation classifier (99.34% test accuracy after 2 epochs; 256-d features for LeNet-FID).
    "mnist": {"conv_channels": [32, 64], "feature_size": 256, "dropout": 0.25},
    # For tests and smoke runs.
    "tiny": {"conv_channels": [4, 8], "feature_size": 16, "dropout": 0.0},
}

__all__ = ["LeNetConfig", "PRESETS"]
