from .configuration_transformer import PRESETS as TRANSFORMER_PRESETS
from .configuration_transformer import TransformerConfig
from .modeling_transformer import (
    TransformerDecoder,
    TransformerEncoder,
    TransformerForMaskedLM,
    TransformerForSequenceClassification,
    TransformerModel,
    TransformerPreTrainedModel,
)
from .tokenization_transformer import text_classification_pipeline, train_sst2_tokenizer

# How this family plugs into the transformers Auto classes (read by classicnets.models.registry). The tokenizer
# is a plain fast tokenizer (tokenizer.json), which AutoTokenizer loads with no registration.
AUTO_CLASSES = {
    "config": TransformerConfig,
    "models": {
        "AutoModel": TransformerModel,
        "AutoModelForSequenceClassification": TransformerForSequenceClassification,
        "AutoModelForMaskedLM": TransformerForMaskedLM,
    },
    "tokenizer": None,
}

__all__ = [
    "TRANSFORMER_PRESETS",
    "TransformerConfig",
    "TransformerDecoder",
    "TransformerEncoder",
    "TransformerForMaskedLM",
    "TransformerForSequenceClassification",
    "TransformerModel",
    "TransformerPreTrainedModel",
    "text_classification_pipeline",
    "train_sst2_tokenizer",
]
