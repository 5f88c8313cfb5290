from .configuration_lenet import PRESETS as LENET_PRESETS
from .configuration_lenet import LeNetConfig
from .modeling_lenet import LeNetForImageClassification, LeNetImageClassifierOutput, LeNetPreTrainedModel

# How this family plugs into the transformers Auto classes (read by classicnets.models.registry).
AUTO_CLASSES = {
    "config": LeNetConfig,
    "models": {"AutoModelForImageClassification": LeNetForImageClassification},
    "tokenizer": None,
    "presets": LENET_PRESETS,
}

__all__ = [
    "LENET_PRESETS",
    "LeNetConfig",
    "LeNetForImageClassification",
    "LeNetImageClassifierOutput",
    "LeNetPreTrainedModel",
]
