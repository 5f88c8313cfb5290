"""LeNet-style convolutional classifier for small grey-scale images (MNIST), readable top to bottom.

    pixel_values (B, 1, 28, 28) in [0, 1] -> standardise -> conv5x5(32) ReLU maxpool (B, 32, 12, 12)
      -> conv5x5(64) ReLU maxpool (B, 64, 4, 4) -> flatten (B, 1024) -> linear(256) ReLU = features (B, 256)
      -> dropout -> linear (B, 10) logits

The 256-d `features` are the embedding of the LeNet-FID used to evaluate MNIST generators.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from .configuration_lenet import LeNetConfig


@dataclass
class LeNetImageClassifierOutput(ModelOutput):
    """
    Args:
        loss (`torch.FloatTensor` of shape `()`, returned when `labels` are given): Mean cross entropy in nats.
        logits (`torch.FloatTensor` of shape `(batch_size, num_labels)`): Class scores (before softmax).
        features (`torch.FloatTensor` of shape `(batch_size, feature_size)`): Penultimate features (post-ReLU).
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    features: torch.FloatTensor | None = None


class LeNetPreTrainedModel(PreTrainedModel):
    config: LeNetConfig
    config_class = LeNetConfig
    base_model_prefix = "lenet"
    main_input_name = "pixel_values"
    _supports_sdpa = False

    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        # transformers v5 calls this after __init__ (skipping loaded weights); its default would be N(0, 0.02).
        if not isinstance(module, (nn.Linear, nn.Conv2d)):
            return
        if self.config.initializer_range is None:  # PyTorch's default init, which trains LeNet well
            init.kaiming_uniform_(module.weight, a=5**0.5)
            if module.bias is not None:
                fan_in = module.weight[0].numel()
                init.uniform_(module.bias, -(fan_in**-0.5), fan_in**-0.5)
        else:
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
            if module.bias is not None:
                init.zeros_(module.bias)


class LeNetForImageClassification(LeNetPreTrainedModel):
    """LeNet classifier; works with `AutoModelForImageClassification`. Inputs are pixel values in [0, 1]."""

    def __init__(self, config: LeNetConfig):
        super().__init__(config)
        layers: list[nn.Module] = []
        c_in, k = config.num_channels, config.kernel_size
        for i, c_out in enumerate(config.conv_channels):
            layers += [nn.Conv2d(c_in, c_out, k, padding=config.padding if i == 0 else 0), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c_out
        layers += [nn.Flatten(), nn.Linear(c_in * config.feature_map_size() ** 2, config.feature_size), nn.ReLU()]
        self.encoder = nn.Sequential(*layers)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.feature_size, config.num_labels)
        self.post_init()

    def _check_pixel_values(self, pixel_values: torch.Tensor) -> None:
        c, s = self.config.num_channels, self.config.image_size
        if pixel_values.dim() != 4 or tuple(pixel_values.shape[1:]) != (c, s, s):
            raise ValueError(f"pixel_values must have shape (batch_size, {c}, {s}, {s}); "
                             f"got {tuple(pixel_values.shape)}.")
        if not pixel_values.dtype.is_floating_point:
            raise ValueError(f"pixel_values must be floats in [0, 1], got {pixel_values.dtype} (divide uint8 by 255).")

    def features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Penultimate features (B, feature_size) of images (B, C, H, W) in [0, 1]."""
        self._check_pixel_values(pixel_values)
        x = (pixel_values - self.config.image_mean) / self.config.image_std
        return self.encoder(x)

    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> LeNetImageClassifierOutput:
        r"""
        Args:
            pixel_values (`torch.FloatTensor` of shape `(batch_size, num_channels, image_size, image_size)`):
                Images in `[0, 1]` (standardised inside the model).
            labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*): Class ids; gives `loss`.
        """
        if pixel_values is None:
            raise ValueError("pixel_values is required: images of shape (batch_size, channels, height, width).")
        features = self.features(pixel_values)  # (B, F)
        logits = self.classifier(self.dropout(features))  # (B, num_labels)
        loss = None
        if labels is not None:
            labels = labels.to(logits.device)
            if labels.numel() and (labels.min() < 0 or labels.max() >= self.config.num_labels):
                raise ValueError(
                    f"labels must lie in [0, {self.config.num_labels}); got {int(labels.min())} to {int(labels.max())}."
                )
            loss = F.cross_entropy(logits.float(), labels)
        return LeNetImageClassifierOutput(loss=loss, logits=logits, features=features)


__all__ = ["LeNetForImageClassification", "LeNetImageClassifierOutput", "LeNetPreTrainedModel"]
